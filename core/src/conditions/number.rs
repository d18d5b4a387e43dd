//! The number a condition's value names: the same `f64` as `str::parse::<f64>`, bit for bit, for
//! every text, and the same texts refused.
//!
//! Why not `str::parse`: the standard library's float parser brings about 18 KB of code and tables
//! of powers into the wasm, for a value a person types into a form and that is compared with a
//! count. This one reads the text into an exact big integer and divides, slower but about 4 KB;
//! the texts are short and read when a webhook is saved or an event is checked. The native tests
//! check it against `str::parse`, halfway cases and the ends of the range included.
//!
//! The grammar is `str::parse`'s: an optional sign, then `inf`, `infinity` or `nan` in any case,
//! or digits with at most one `.` (digits on at least one side), then optionally `e` or `E`, an
//! optional sign and digits. No spaces, no `_`.

use std::cmp::Ordering;

/// Significant digits kept exactly. Any `f64`, and any point halfway between two, is written in
/// at most 767 significant digits, so a digit past this one can only decide a tie, and a `1`
/// standing for all of them (when one is not zero) decides it the same way.
const KEPT_DIGITS: usize = 800;

/// Reads `text` as `str::parse::<f64>` does; `None` where it gives an error.
pub(super) fn parse_f64(text: &str) -> Option<f64> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = if ["inf", "infinity"].iter().any(|word| rest.eq_ignore_ascii_case(word)) {
        f64::INFINITY
    } else if rest.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        finite(rest)?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Reads unsigned decimal digits with an optional point and exponent.
fn finite(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    // The value is `significand × 10^exp10`.
    let mut exp10: i64 = match exponent {
        None => 0,
        Some(exponent) => {
            let (minus, unsigned) = match exponent.strip_prefix('-') {
                Some(unsigned) => (true, unsigned),
                None => (false, exponent.strip_prefix('+').unwrap_or(exponent)),
            };
            if unsigned.is_empty() || !digits(unsigned) {
                return None;
            }
            // Past a billion the answer is 0 or infinity whatever the digits say.
            let value = unsigned.bytes().fold(0i64, |n, b| (n * 10 + i64::from(b - b'0')).min(1_000_000_000));
            if minus {
                -value
            } else {
                value
            }
        }
    };
    let mut significand = Big::default();
    let (mut kept, mut dropped_non_zero) = (0usize, false);
    for (b, after_point) in whole.bytes().map(|b| (b, false)).chain(fraction.bytes().map(|b| (b, true))) {
        let digit = u32::from(b - b'0');
        if kept < KEPT_DIGITS {
            if kept > 0 || digit != 0 {
                kept += 1;
            }
            significand.mul_add(10, digit);
            exp10 -= i64::from(after_point);
        } else {
            dropped_non_zero |= digit != 0;
            exp10 += i64::from(!after_point);
        }
    }
    if dropped_non_zero {
        significand.mul_add(10, 1);
        kept += 1;
        exp10 -= 1;
    }
    if significand.is_zero() {
        return Some(0.0);
    }
    // The value is at least 10^(kept - 1 + exp10) and below 10^(kept + exp10).
    let order = i64::try_from(kept).ok()?.saturating_add(exp10);
    if order > 309 {
        return Some(f64::INFINITY);
    }
    if order < -323 {
        // Below 10^-324, under half the least subnormal: rounds to zero.
        return Some(0.0);
    }
    Some(nearest(significand, exp10))
}

/// The `f64` nearest `significand × 10^exp10` (ties to even), for `exp10` within ±1200.
fn nearest(significand: Big, exp10: i64) -> f64 {
    // value = numerator / denominator × 2^exp10, with 10 = 5 × 2.
    let fives = u32::try_from(exp10.unsigned_abs()).unwrap_or(u32::MAX);
    let (mut numerator, mut denominator) = (significand, Big::from(1));
    if exp10 >= 0 {
        numerator.mul_pow5(fives);
    } else {
        denominator.mul_pow5(fives);
    }
    // numerator / denominator lies in [2^e2, 2^(e2 + 1)).
    let mut e2 = numerator.bits() as i64 - denominator.bits() as i64;
    if scaled_cmp(&numerator, &denominator, e2) == Ordering::Less {
        e2 -= 1;
    }
    // The value is x × 2^exponent with 1 ≤ x < 2.
    let exponent = e2 + exp10;
    if exponent > 1023 {
        return f64::INFINITY;
    }
    // Significant bits the result can hold: 53, fewer for subnormals.
    let precision = if exponent >= -1022 { 53 } else { exponent + 1075 };
    if precision < 0 {
        return 0.0;
    }
    // q = floor(x × 2^precision): the kept bits and one more (the rounding bit); the remainder
    // says whether anything lies below it.
    let shift = precision - e2;
    if shift >= 0 {
        numerator.shift_left(shift.unsigned_abs());
    } else {
        denominator.shift_left(shift.unsigned_abs());
    }
    let mut q: u64 = 0;
    for bit in (0..=precision.unsigned_abs()).rev() {
        let mut part = denominator.clone();
        part.shift_left(bit);
        if numerator.compare(&part) != Ordering::Less {
            numerator.subtract(&part);
            q |= 1 << bit;
        }
    }
    let (mut mantissa, half, below) = (q >> 1, q & 1 == 1, !numerator.is_zero());
    if half && (below || mantissa & 1 == 1) {
        mantissa += 1;
    }
    if exponent < -1022 {
        // A subnormal; rounding up to 2^52 gives the least normal's bits, as it should.
        return f64::from_bits(mantissa);
    }
    let (mantissa, exponent) = if mantissa == 1 << 53 { (mantissa >> 1, exponent + 1) } else { (mantissa, exponent) };
    if exponent > 1023 {
        return f64::INFINITY;
    }
    f64::from_bits(((exponent + 1023).unsigned_abs() << 52) | (mantissa & ((1 << 52) - 1)))
}

/// `a` against `b × 2^shift` (`shift` may be negative: `a × 2^-shift` against `b`).
fn scaled_cmp(a: &Big, b: &Big, shift: i64) -> Ordering {
    let (mut a, mut b) = (a.clone(), b.clone());
    if shift >= 0 {
        b.shift_left(shift.unsigned_abs());
    } else {
        a.shift_left(shift.unsigned_abs());
    }
    a.compare(&b)
}

/// An unsigned integer of any size: base-2^32 limbs, least significant first, no zero limb on
/// top (so zero has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Big(Vec<u32>);

impl From<u32> for Big {
    fn from(n: u32) -> Self {
        let mut big = Big(vec![n]);
        big.trim();
        big
    }
}

impl Big {
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// self = self × factor + add.
    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    /// self = self × 5^power.
    fn mul_pow5(&mut self, mut power: u32) {
        // 5^13 is the largest power of five below 2^32.
        while power >= 13 {
            self.mul_add(1_220_703_125, 0);
            power -= 13;
        }
        self.mul_add(5u32.pow(power), 0);
    }

    /// self = self × 2^bits.
    fn shift_left(&mut self, bits: u64) {
        if self.is_zero() {
            return;
        }
        let (limbs, bits) = ((bits / 32) as usize, (bits % 32) as u32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    /// How many bits it takes (0 for zero).
    fn bits(&self) -> u64 {
        self.0.last().map_or(0, |top| 32 * self.0.len() as u64 - u64::from(top.leading_zeros()))
    }

    fn compare(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// self = self - other, for other ≤ self.
    fn subtract(&mut self, other: &Big) {
        let mut borrow = false;
        let mut theirs = other.0.iter();
        for limb in &mut self.0 {
            let (difference, under) = limb.overflowing_sub(theirs.next().copied().unwrap_or(0));
            let (difference, under_again) = difference.overflowing_sub(u32::from(borrow));
            *limb = difference;
            borrow = under || under_again;
        }
        self.trim();
    }
}

#[cfg(test)]
mod tests {
    use super::parse_f64;
    use proptest::prelude::*;

    /// Both parsers agree on `text`: the same bits, or both refuse it.
    fn agrees(text: &str) {
        let ours = parse_f64(text).map(f64::to_bits);
        let std = text.parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(ours, std, "{text:?}");
    }

    #[test]
    fn everyday_values() {
        for text in ["0", "1", "10", "100", "42", "1000000", "0.5", ".5", "5.", "1.25", "3.14159", "007", "1e3", "1E3"]
        {
            agrees(text);
        }
        for text in ["+1", "-1", "-0", "+0", "0.1", "0.2", "0.3", "2.5e-3", "123456789012345678901234567890"] {
            agrees(text);
        }
        assert_eq!(parse_f64("42"), Some(42.0));
        assert_eq!(parse_f64("-0").map(f64::is_sign_negative), Some(true));
    }

    #[test]
    fn refused_texts() {
        for text in ["", "+", "-", ".", "e5", ".e5", "1e", "1e+", "1e-", "1.2.3", "1,5", " 1", "1 ", "1_000", "0x10"] {
            agrees(text);
            assert_eq!(parse_f64(text), None, "{text:?}");
        }
        for text in ["++1", "+-1", "--1", "1e++1", "1e5.0", "١", "1e٣", "in", "infinit", "infinityy", "nana", "-+inf"]
        {
            agrees(text);
        }
    }

    #[test]
    fn words() {
        for text in
            ["inf", "INF", "Inf", "+inf", "-inf", "infinity", "Infinity", "-INFINITY", "nan", "NaN", "-nan", "+NAN"]
        {
            assert_eq!(parse_f64(text).map(f64::is_nan), text.parse::<f64>().ok().map(f64::is_nan), "{text}");
            assert_eq!(
                parse_f64(text).map(f64::is_sign_negative),
                text.parse::<f64>().ok().map(f64::is_sign_negative),
                "{text}"
            );
            if !text.to_ascii_lowercase().contains("nan") {
                agrees(text);
            }
        }
    }

    #[test]
    fn edges_of_the_range_and_of_rounding() {
        let texts = [
            // The largest finite value, the point halfway past it, and just below and above that.
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623158079e308",
            "1.797693134862315807937289714053e308",
            "1.797693134862315807937289714054e308",
            "1.7976931348623159e308",
            "1e308",
            "1e309",
            "1e400",
            "1e1000000000000000000000",
            // The least normal and subnormal values, and halfway below the least subnormal.
            "2.2250738585072014e-308",
            "2.2250738585072011e-308",
            "2.225073858507201136057409796709131975934819546351645648e-308",
            "4.9406564584124654e-324",
            "5e-324",
            "3e-324",
            "2.4703282292062328e-324",
            "2.4703282292062327e-324",
            "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324",
            "1e-324",
            "1e-400",
            "1e-1000000000000000000000",
            // Ties between neighbours: 2^53 + 1 and 2^53 + 3 sit halfway.
            "9007199254740993",
            "9007199254740995",
            "9007199254740993.0000000000000000000001",
            "9007199254740992.9999999999999999999999",
            "0.1e1",
            "0.000000000000000000000000000000000000000000000000000000000000000001e66",
            "123456789e-9",
        ];
        for text in texts {
            agrees(text);
            agrees(&format!("-{text}"));
        }
        // More digits than are kept exactly, zero or not past the cut.
        let long_one = format!("1.{}1", "0".repeat(900));
        let long_tie = format!("9007199254740993{}", "0".repeat(900));
        let long_tie_up = format!("9007199254740993.{}1", "0".repeat(900));
        let long_whole = format!("{}e-900", "1".repeat(1000));
        for text in [long_one, long_tie, long_tie_up, long_whole] {
            agrees(&text);
        }
    }

    #[test]
    fn every_count_a_condition_compares_with() {
        for n in (0..2_000u64).chain([9_999, 10_000, 10_001, u64::from(u32::MAX), 1 << 53, (1 << 53) + 1, u64::MAX]) {
            agrees(&n.to_string());
            agrees(&format!("{n}.0"));
            agrees(&format!("{n}.5"));
            agrees(&format!("{n}e0"));
        }
    }

    proptest! {
        #[test]
        fn same_as_str_parse(text in "[+-]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][+-]?[0-9]{1,3})?") {
            agrees(&text);
        }

        #[test]
        fn same_as_str_parse_on_any_bits(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            agrees(&format!("{value:e}"));
            agrees(&format!("{value}"));
            agrees(&format!("{value:.30e}"));
        }

        #[test]
        fn same_as_str_parse_on_any_text(text in "[0-9eE.+-]{0,12}") {
            agrees(&text);
        }
    }
}
