//! Rules: pure functions over values — URL and header checks, the events and their envelope, and
//! the retry policy.

pub mod event;
pub mod headers;
pub mod retry;
pub mod url_check;
