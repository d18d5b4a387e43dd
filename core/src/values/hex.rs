//! Lowercase hexadecimal text, as ids, body names and signatures spell bytes.

/// Appends the bytes to `out` as lowercase hex, two digits each. (Plain arithmetic rather than
/// `format!("{b:02x}")` per byte: ids and body names are made for every delivery.)
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(b & 0x0f));
    }
}

/// The lowercase hex digit of a value under 16.
fn digit(value: u8) -> char {
    char::from(if value < 10 { b'0' + value } else { b'a' + (value - 10) })
}

/// The bytes as lowercase hex, two digits each.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    push_hex(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_two_lowercase_digits() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), expected);
        let mut out = "msg_".to_string();
        push_hex(&mut out, &[0, 0xab]);
        assert_eq!(out, "msg_00ab");
    }
}
