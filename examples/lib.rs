//! Runnable programs of the stats workspace; see the `[[example]]` targets.
