//! Secret values drawn from the operating system's CSPRNG, uniformly over the policy's alphabet.

use zeroize::Zeroizing;

use super::policy::Strength;
use super::value::SecretValue;
use crate::CoreError;

/// Generates one value of `strength.length` characters from `strength.alphabet`, using `getrandom`.
///
/// An RNG failure is an error: there is no fallback to a weaker generator.
pub fn generate(strength: &Strength) -> Result<SecretValue, CoreError> {
    generate_with(strength, |buf| getrandom::fill(buf).map_err(|e| e.to_string()))
}

/// Generation over any byte source; `generate` passes the OS one. Split out so a failing source can be
/// tested.
pub(crate) fn generate_with(
    strength: &Strength,
    mut fill: impl FnMut(&mut [u8]) -> Result<(), String>,
) -> Result<SecretValue, CoreError> {
    let chars = strength.alphabet.chars();
    let n = chars.len();
    // Rejection sampling: bytes at or above the largest multiple of n would make the first
    // `256 % n` characters more likely than the rest, so they are drawn again instead.
    let limit = 256 - (256 % n);
    let mut out = Zeroizing::new(String::with_capacity(strength.length));
    let mut pool = Zeroizing::new([0u8; 64]);
    while out.len() < strength.length {
        fill(&mut pool[..]).map_err(CoreError::Rng)?;
        for &b in pool.iter() {
            if (b as usize) < limit && out.len() < strength.length {
                out.push(chars[b as usize % n] as char);
            }
        }
    }
    Ok(SecretValue::new(std::mem::take(&mut *out)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::secret::Alphabet;

    fn strength(length: usize, alphabet: Alphabet) -> Strength {
        Strength { length, alphabet }
    }

    #[test]
    fn a_failing_random_source_fails_generation() {
        let err = generate_with(&strength(64, Alphabet::UrlSafe), |_| {
            Err("entropy pool gone".into())
        })
        .expect_err("a broken RNG must never yield a secret");
        assert!(
            matches!(err, CoreError::Rng(ref m) if m.contains("entropy pool gone")),
            "got {err:?}"
        );
    }

    #[test]
    fn bytes_above_the_last_full_multiple_are_redrawn() {
        // 62 characters: 256 % 62 = 8, so bytes 248..=255 must be rejected, not folded onto 'A'..'H'.
        let mut calls = 0;
        let v = generate_with(&strength(4, Alphabet::Alphanumeric), |buf| {
            calls += 1;
            let byte = if calls == 1 { 250 } else { 0 };
            buf.fill(byte);
            Ok(())
        })
        .expect("the second draw is usable");
        assert_eq!(calls, 2, "a pool of only rejected bytes must be drawn again");
        assert_eq!(v.expose(), "AAAA", "byte 0 maps to the first character");
    }

    #[test]
    fn characters_are_close_to_uniform() {
        // 62 is the alphabet where modulo bias would show: 'A'..'H' would come out ~25% more often.
        let s = strength(620_000, Alphabet::Alphanumeric);
        let v = generate(&s).expect("the OS RNG works here");
        let mut counts = [0usize; 128];
        for b in v.expose().bytes() {
            counts[b as usize] += 1;
        }
        let (first, last) = (counts[b'A' as usize], counts[b'9' as usize]);
        for c in Alphabet::Alphanumeric.chars() {
            let k = counts[*c as usize];
            assert!(
                (9_000..11_000).contains(&k),
                "{} drawn {k} times, expected ~10000",
                *c as char
            );
        }
        assert!(
            first.abs_diff(last) < 1_000,
            "'A' {first} vs '9' {last}: bias towards the first chars"
        );
    }

    #[test]
    fn one_hundred_thousand_values_never_repeat() {
        let s = strength(22, Alphabet::UrlSafe); // 132 bits: the weakest the policy allows, roughly
        let mut seen = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            let v = generate(&s).expect("the OS RNG works here");
            assert!(
                seen.insert(v.expose().to_owned()),
                "a repeat means the generator is not random"
            );
        }
    }

    proptest! {
        #[test]
        fn length_and_alphabet_always_hold(length in 1usize..600, which in 0usize..3) {
            let alphabet = [Alphabet::UrlSafe, Alphabet::Alphanumeric, Alphabet::Hex][which];
            let v = generate(&strength(length, alphabet)).expect("the OS RNG works here");
            prop_assert_eq!(v.expose().len(), length);
            prop_assert!(v.expose().bytes().all(|b| alphabet.chars().contains(&b)),
                "every character comes from {}", alphabet.name());
        }
    }
}
