//! Arithmetic modulo the 3072-bit SRP prime: Montgomery multiplication on 48 64-bit
//! limbs, and powers of the generator from a precomputed table (one multiplication per
//! 4 bits of exponent instead of a square-and-multiply chain). Table entries are chosen
//! by scanning the whole row with masks, so neither timing nor memory access depends on
//! the exponent's bits.

use crate::crypto::bignum::{Montgomery, WORDS};
use crate::crypto::srp::N;
use num_bigint::BigUint;
use std::sync::LazyLock;

const LIMBS: usize = WORDS;
type Limbs = [u64; LIMBS];
/// Bits of exponent per table row: 37 rows of 128 entries (1.7 MiB, built on first
/// use), so a power of g costs 37 multiplications and 37 scans of 48 KiB. Measured
/// with aws-lc's multiplication, a power took 100 µs with 6 bits, 87 with 7 and 77
/// with 8, whose table is 3 MiB.
const WINDOW: usize = 7;
/// Exponents of up to 256 bits (SHA-256 outputs and SRP's private values).
const EXPONENT_BITS: usize = 256;
const ROWS: usize = EXPONENT_BITS.div_ceil(WINDOW);

struct Field {
    n: Limbs,
    /// -N⁻¹ mod 2⁶⁴.
    n0: u64,
    /// R² mod N, R = 2³⁰⁷².
    r2: Limbs,
    /// R mod N: one, in Montgomery form.
    one: Limbs,
}

fn to_limbs(x: &BigUint) -> Limbs {
    let mut out = [0u64; LIMBS];
    for (i, d) in x.to_u64_digits().into_iter().take(LIMBS).enumerate() {
        out[i] = d;
    }
    out
}

fn from_limbs(x: &Limbs) -> BigUint {
    let mut bytes = Vec::with_capacity(LIMBS * 8);
    for limb in x {
        bytes.extend_from_slice(&limb.to_le_bytes());
    }
    BigUint::from_bytes_le(&bytes)
}

static FIELD: LazyLock<Field> = LazyLock::new(|| {
    let n = to_limbs(&N);
    // Newton iteration for N⁻¹ mod 2⁶⁴.
    let mut inv: u64 = 1;
    for _ in 0..7 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
    }
    let r = BigUint::from(1u32) << (64 * LIMBS);
    Field {
        n,
        n0: inv.wrapping_neg(),
        r2: to_limbs(&((&r * &r) % &*N)),
        one: to_limbs(&(&r % &*N)),
    }
});

#[inline]
fn mac(t: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let v = u128::from(t) + u128::from(a) * u128::from(b) + u128::from(carry);
    (v as u64, (v >> 64) as u64)
}

/// a·b·R⁻¹ mod N (CIOS), fully reduced, without data-dependent branches.
fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    let f = &*FIELD;
    let mut t = [0u64; LIMBS + 2];
    for &ai in a.iter() {
        let mut carry = 0;
        for j in 0..LIMBS {
            let (lo, hi) = mac(t[j], ai, b[j], carry);
            t[j] = lo;
            carry = hi;
        }
        let (s, overflow) = t[LIMBS].overflowing_add(carry);
        t[LIMBS] = s;
        t[LIMBS + 1] = u64::from(overflow);
        let m = t[0].wrapping_mul(f.n0);
        let (_, mut carry) = mac(t[0], m, f.n[0], 0);
        for j in 1..LIMBS {
            let (lo, hi) = mac(t[j], m, f.n[j], carry);
            t[j - 1] = lo;
            carry = hi;
        }
        let (s, overflow) = t[LIMBS].overflowing_add(carry);
        t[LIMBS - 1] = s;
        t[LIMBS] = t[LIMBS + 1] + u64::from(overflow);
    }
    // Subtract N when t ≥ N, choosing by mask.
    let mut d = [0u64; LIMBS];
    let mut borrow = 0u64;
    for j in 0..LIMBS {
        let (s1, b1) = t[j].overflowing_sub(f.n[j]);
        let (s2, b2) = s1.overflowing_sub(borrow);
        d[j] = s2;
        borrow = u64::from(b1 | b2);
    }
    // Keep t only when it is below N: no carry limb and the subtraction borrowed.
    let keep_t = (t[LIMBS] == 0) as u64 & borrow;
    let mask = keep_t.wrapping_neg();
    let mut out = [0u64; LIMBS];
    for j in 0..LIMBS {
        out[j] = (t[j] & mask) | (d[j] & !mask);
    }
    out
}

/// The table: row i holds g^(j·2^(8i)) for j = 0..255, in Montgomery form.
static G_TABLE: LazyLock<Vec<Vec<Limbs>>> = LazyLock::new(|| {
    let f = &*FIELD;
    let mut base = mont_mul(&to_limbs(&BigUint::from(2u32)), &f.r2);
    let mut rows = Vec::with_capacity(ROWS);
    for _ in 0..ROWS {
        let mut row = vec![[0u64; LIMBS]; 1 << WINDOW];
        row[0] = f.one;
        for j in 1..(1 << WINDOW) {
            row[j] = mont_mul(&row[j - 1], &base);
        }
        for _ in 0..WINDOW {
            base = mont_mul(&base, &base);
        }
        rows.push(row);
    }
    rows
});

/// g^e mod N for an exponent of at most 256 bits (larger ones are reduced to their low
/// 256 bits, which callers never pass). The multiplications are aws-lc's assembly, or
/// the portable `mont_mul` should aws-lc be unable to allocate.
pub fn pow_g(e: &BigUint) -> BigUint {
    pow_g_with_aws_lc(e).unwrap_or_else(|| pow_g_portable(e))
}

fn pow_g_with_aws_lc(e: &BigUint) -> Option<BigUint> {
    let digits = e.to_u64_digits();
    let mut acc = Montgomery::new(&FIELD.one)?;
    for (i, row) in G_TABLE.iter().enumerate() {
        acc.mul(&select(row, digit(&digits, i)))?;
    }
    // Multiplying by 1 takes the result out of Montgomery form.
    let mut one = [0u64; LIMBS];
    one[0] = 1;
    acc.mul(&one)?;
    Some(from_limbs(&acc.value()?))
}

fn pow_g_portable(e: &BigUint) -> BigUint {
    let digits = e.to_u64_digits();
    let mut acc = FIELD.one;
    for (i, row) in G_TABLE.iter().enumerate() {
        acc = mont_mul(&acc, &select(row, digit(&digits, i)));
    }
    from_montgomery(&acc)
}

/// The exponent's `i`th window of WINDOW bits (which may straddle two limbs).
fn digit(digits: &[u64], i: usize) -> usize {
    let bit = i * WINDOW;
    let limb = |k: usize| u128::from(digits.get(k).copied().unwrap_or(0));
    let both = limb(bit / 64) | (limb(bit / 64 + 1) << 64);
    ((both >> (bit % 64)) & ((1 << WINDOW) - 1)) as usize
}

/// Constant-time choice of `table[index]`: every entry is read.
fn select(table: &[Limbs], index: usize) -> Limbs {
    let mut entry = [0u64; LIMBS];
    for (j, candidate) in table.iter().enumerate() {
        let mask = ((j == index) as u64).wrapping_neg();
        for k in 0..LIMBS {
            entry[k] |= candidate[k] & mask;
        }
    }
    entry
}

fn from_montgomery(x: &Limbs) -> BigUint {
    let mut one = [0u64; LIMBS];
    one[0] = 1;
    from_limbs(&mont_mul(x, &one))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::srp::G;
    use rand::RngCore;

    #[test]
    fn powers_of_g_match_plain_modpow() {
        let mut rng = rand::rng();
        for _ in 0..20 {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            let e = BigUint::from_bytes_be(&bytes);
            assert_eq!(pow_g(&e), G.modpow(&e, &N));
            assert_eq!(pow_g_portable(&e), G.modpow(&e, &N));
        }
        assert_eq!(pow_g(&BigUint::from(0u32)), BigUint::from(1u32));
        assert_eq!(pow_g(&BigUint::from(1u32)), BigUint::from(2u32));
        let max = (BigUint::from(1u32) << 256) - 1u32;
        assert_eq!(pow_g(&max), G.modpow(&max, &N));
        assert_eq!(pow_g_portable(&max), G.modpow(&max, &N));
        // Each window alone, the one straddling two limbs included.
        for i in 0..ROWS {
            let e = (BigUint::from(0b100101u32) << (i * WINDOW)) & &max;
            assert_eq!(pow_g(&e), G.modpow(&e, &N), "window {i}");
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use std::time::Instant;

    /// `cargo test --release -p cognate-domain -- --ignored --nocapture timing`
    #[test]
    #[ignore]
    fn costs() {
        let e = (BigUint::from(1u32) << 255) + 12345u32;
        let base = pow_g(&e);
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(pow_g(&e));
        }
        println!("pow_g: {:?}", t.elapsed() / n);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(pow_g_portable(&e));
        }
        println!("pow_g, portable: {:?}", t.elapsed() / n);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(crate::crypto::bignum::pow(&base, &e));
        }
        println!("bignum::pow: {:?}", t.elapsed() / n);
        let a = to_limbs(&base);
        let t = Instant::now();
        let mut x = a;
        for _ in 0..10_000 {
            x = mont_mul(&x, &a);
        }
        std::hint::black_box(x);
        println!("mont_mul: {:?}", t.elapsed() / 10_000);
        let t = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(base.modpow(&e, &N));
        }
        println!("num-bigint modpow: {:?}", t.elapsed() / 20);
        let key = crate::tokens::jwt::SigningKey::generate().unwrap();
        let claims = serde_json::json!({"sub": "x", "exp": 1});
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(key.sign(&claims));
        }
        println!("RS256 sign: {:?}", t.elapsed() / n);
        let token = key.sign(&claims);
        let t = Instant::now();
        for _ in 0..n {
            let d = crate::tokens::jwt::decode(&token).unwrap();
            std::hint::black_box(key.verifies(&d));
        }
        println!("RS256 decode+verify: {:?}", t.elapsed() / n);
    }
}
