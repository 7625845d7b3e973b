//! stats-lint: placeholder, filled by its issue.
