//! Values: the plain types every other layer speaks. They import nothing from the rest of the core.

pub mod field;
pub mod hex;
pub mod http;
pub mod ids;
pub mod small_map;
pub mod time;
