//! Exact non-negative fractions for rates, scores and weights.
//!
//! Invariant: a `Ratio` is always reduced and its denominator is positive, so equal values
//! have equal representations. Comparison never overflows (it walks the continued fraction
//! instead of cross-multiplying), and arithmetic is checked: an overflow is an error value,
//! never a wrapped number or a panic.

use std::cmp::Ordering;
use std::fmt;

/// Why a fraction could not be built or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatioError {
    #[error("“{text}” is not a non-negative number or fraction (examples: 80, 86.5, 2/3).")]
    Syntax { text: String },
    #[error("“{text}” has a zero denominator.")]
    ZeroDenominator { text: String },
    #[error("A computation on exact fractions overflowed 128 bits.")]
    Overflow,
}

/// ```
/// use scrutineer::rules::Ratio;
/// let favourable = Ratio::of_counts(40, 60);
/// assert_eq!(favourable.to_string(), "2/3");
/// assert_eq!(favourable.percent_2dp(), "66.67");
/// // Exactly two thirds is not below the 2/3 trigger.
/// assert!(!(favourable < Ratio::of_counts(2, 3)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: u128,
    den: u128,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Decimal places kept when parsing a decimal string such as "86.25".
const DECIMAL_DIGITS_MAX: usize = 12;

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    /// Builds `num / den`, reduced. `den` must not be zero.
    pub fn new(num: u128, den: u128) -> Result<Ratio, RatioError> {
        if den == 0 {
            return Err(RatioError::ZeroDenominator {
                text: format!("{num}/{den}"),
            });
        }
        let g = gcd(num, den);
        // g >= 1 because den >= 1.
        Ok(Ratio {
            num: num / g,
            den: den / g,
        })
    }

    pub fn integer(n: u64) -> Ratio {
        Ratio {
            num: u128::from(n),
            den: 1,
        }
    }

    /// `count / total`, with `0 / 0` read as zero (an empty group has no rate).
    pub fn of_counts(count: u64, total: u64) -> Ratio {
        if total == 0 {
            return Ratio::ZERO;
        }
        let g = gcd(u128::from(count), u128::from(total));
        Ratio {
            num: u128::from(count) / g,
            den: u128::from(total) / g,
        }
    }

    pub fn num(&self) -> u128 {
        self.num
    }

    pub fn den(&self) -> u128 {
        self.den
    }

    pub fn is_zero(&self) -> bool {
        self.num == 0
    }

    pub fn checked_add(self, other: Ratio) -> Result<Ratio, RatioError> {
        let g = gcd(self.den, other.den);
        let lhs = self
            .num
            .checked_mul(other.den / g)
            .ok_or(RatioError::Overflow)?;
        let rhs = other
            .num
            .checked_mul(self.den / g)
            .ok_or(RatioError::Overflow)?;
        let num = lhs.checked_add(rhs).ok_or(RatioError::Overflow)?;
        let den = (self.den / g)
            .checked_mul(other.den)
            .ok_or(RatioError::Overflow)?;
        Ratio::new(num, den)
    }

    pub fn checked_mul(self, other: Ratio) -> Result<Ratio, RatioError> {
        // Cross-reduce first to keep the numbers small.
        let g1 = gcd(self.num, other.den).max(1);
        let g2 = gcd(other.num, self.den).max(1);
        let num = (self.num / g1)
            .checked_mul(other.num / g2)
            .ok_or(RatioError::Overflow)?;
        let den = (self.den / g2)
            .checked_mul(other.den / g1)
            .ok_or(RatioError::Overflow)?;
        Ratio::new(num, den)
    }

    pub fn checked_div(self, other: Ratio) -> Result<Ratio, RatioError> {
        if other.num == 0 {
            return Err(RatioError::ZeroDenominator {
                text: format!("{self} ÷ 0"),
            });
        }
        self.checked_mul(Ratio {
            num: other.den,
            den: other.num,
        })
    }

    /// The value scaled by `10^places`, rounded half up (四舍五入).
    fn scaled_rounded(&self, factor: u128) -> Result<u128, RatioError> {
        // round(x) = floor((2·num·factor + den) / (2·den))
        let twice = self
            .num
            .checked_mul(factor)
            .and_then(|v| v.checked_mul(2))
            .and_then(|v| v.checked_add(self.den))
            .ok_or(RatioError::Overflow)?;
        let den2 = self.den.checked_mul(2).ok_or(RatioError::Overflow)?;
        Ok(twice / den2)
    }

    /// The value as a decimal with exactly two places, rounded half up: `86.67`.
    pub fn decimal_2dp(&self) -> String {
        match self.scaled_rounded(100) {
            Ok(v) => format!("{}.{:02}", v / 100, v % 100),
            Err(_) => "overflow".to_string(),
        }
    }

    /// The value as a percentage with exactly two places, rounded half up: `2/3` ⇒ `66.67`.
    pub fn percent_2dp(&self) -> String {
        match self.scaled_rounded(10_000) {
            Ok(v) => format!("{}.{:02}", v / 100, v % 100),
            Err(_) => "overflow".to_string(),
        }
    }

    /// Parses `80`, `86.5` or `2/3`.
    pub fn parse(text: &str) -> Result<Ratio, RatioError> {
        let syntax = || RatioError::Syntax {
            text: text.to_string(),
        };
        let t = text.trim();
        if let Some((n, d)) = t.split_once('/') {
            let num = parse_digits(n.trim()).ok_or_else(syntax)?;
            let den = parse_digits(d.trim()).ok_or_else(syntax)?;
            if den == 0 {
                return Err(RatioError::ZeroDenominator {
                    text: text.to_string(),
                });
            }
            return Ratio::new(num, den);
        }
        let (int_part, frac_part) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t, ""),
        };
        if frac_part.len() > DECIMAL_DIGITS_MAX || (t.contains('.') && frac_part.is_empty()) {
            return Err(syntax());
        }
        let int = parse_digits(int_part).ok_or_else(syntax)?;
        let mut den: u128 = 1;
        let mut frac: u128 = 0;
        for c in frac_part.chars() {
            let d = c.to_digit(10).ok_or_else(syntax)?;
            frac = frac * 10 + u128::from(d);
            den *= 10;
        }
        let num = int
            .checked_mul(den)
            .and_then(|v| v.checked_add(frac))
            .ok_or(RatioError::Overflow)?;
        Ratio::new(num, den)
    }
}

fn parse_digits(s: &str) -> Option<u128> {
    if s.is_empty() || s.len() > 30 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        // Compare a/b with c/d by integer parts, then by the reciprocals of the remainders.
        let (mut a, mut b, mut c, mut d) = (self.num, self.den, other.num, other.den);
        let mut flipped = false;
        loop {
            let (qa, qc) = (a / b, c / d);
            if qa != qc {
                let ord = qa.cmp(&qc);
                return if flipped { ord.reverse() } else { ord };
            }
            let (ra, rc) = (a % b, c % d);
            match (ra == 0, rc == 0) {
                (true, true) => return Ordering::Equal,
                (true, false) => {
                    return if flipped {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (false, true) => {
                    return if flipped {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (false, false) => {
                    // a/b = q + ra/b; compare ra/b with rc/d ⇔ compare d/rc with b/ra reversed.
                    (a, b, c, d) = (b, ra, d, rc);
                    flipped = !flipped;
                }
            }
        }
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_integers_decimals_and_fractions() {
        assert_eq!(Ratio::parse("80").unwrap(), Ratio::integer(80));
        assert_eq!(Ratio::parse("86.5").unwrap(), Ratio::new(173, 2).unwrap());
        assert_eq!(Ratio::parse("2/3").unwrap(), Ratio::new(4, 6).unwrap());
        assert!(Ratio::parse("-1").is_err());
        assert!(Ratio::parse("1.").is_err());
        assert!(Ratio::parse("1/0").is_err());
        assert!(Ratio::parse("abc").is_err());
    }

    #[test]
    fn rounds_half_up() {
        assert_eq!(Ratio::new(2, 3).unwrap().percent_2dp(), "66.67");
        assert_eq!(Ratio::new(1, 3).unwrap().percent_2dp(), "33.33");
        assert_eq!(Ratio::new(943, 1000).unwrap().percent_2dp(), "94.30");
        assert_eq!(Ratio::new(1, 8).unwrap().percent_2dp(), "12.50");
        // 0.00005 rounds up to 0.01 percent.
        assert_eq!(Ratio::new(1, 20000).unwrap().percent_2dp(), "0.01");
        assert_eq!(Ratio::new(260, 3).unwrap().decimal_2dp(), "86.67");
        assert_eq!(Ratio::ZERO.percent_2dp(), "0.00");
    }

    proptest! {
        #[test]
        fn order_matches_cross_multiplication(a in 0u64..10_000, b in 1u64..10_000, c in 0u64..10_000, d in 1u64..10_000) {
            let x = Ratio::new(a.into(), b.into()).unwrap();
            let y = Ratio::new(c.into(), d.into()).unwrap();
            let expected = (u128::from(a) * u128::from(d)).cmp(&(u128::from(c) * u128::from(b)));
            prop_assert_eq!(x.cmp(&y), expected);
        }

        #[test]
        fn addition_is_exact(a in 0u64..10_000, b in 1u64..10_000, c in 0u64..10_000, d in 1u64..10_000) {
            let sum = Ratio::new(a.into(), b.into()).unwrap().checked_add(Ratio::new(c.into(), d.into()).unwrap()).unwrap();
            let expected = Ratio::new(u128::from(a) * u128::from(d) + u128::from(c) * u128::from(b), u128::from(b) * u128::from(d)).unwrap();
            prop_assert_eq!(sum, expected);
        }
    }
}
