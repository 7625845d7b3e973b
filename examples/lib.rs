//! Runnable programs of the stats workspace; see the `[[example]]` targets.
//! What several of them share: reading numbers from the command line and
//! naming a thread's panic.

use std::any::Any;
use std::ops::RangeInclusive;
use std::time::Duration;

/// `text` as a whole number within `range`, or a message that names `name`.
///
/// # Errors
///
/// When `text` is not a whole number within `range`.
pub fn whole_number(name: &str, text: &str, range: RangeInclusive<u64>) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number from {} to {}, not `{text}`",
            range.start(),
            range.end()
        )),
    }
}

/// `text` as a number of seconds above 0 and at most `most`, or a message
/// that names `name`.
///
/// # Errors
///
/// When `text` is not such a number.
pub fn seconds(name: &str, text: &str, most: f64) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= most => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!(
            "{name} must be a number above 0 and at most {most}, not `{text}`"
        )),
    }
}

/// A thread's panic message.
#[must_use]
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a payload that is not text".to_owned()
    }
}
