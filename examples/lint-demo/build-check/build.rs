//! Lints this package during `cargo build`: findings become `cargo:warning=`
//! lines, and a deny-level finding fails the build.

fn main() {
    stats_lint::build::check();
}
