//! Constant-time modular exponentiation modulo the SRP prime with aws-lc's BIGNUM code
//! (its assembly Montgomery multiplication is several times faster than portable Rust),
//! behind a safe interface: `pow`. Every pointer handled here is owned by one RAII
//! wrapper, checked for null when made, and freed exactly once.

use crate::crypto::srp::N;
use aws_lc_sys as ffi;
use num_bigint::BigUint;
use std::sync::LazyLock;

/// Bytes of a number below N.
const LEN: usize = 384;
/// 64-bit words of a number below N.
pub(crate) const WORDS: usize = LEN / 8;

/// An owned BIGNUM.
struct Bn(*mut ffi::BIGNUM);

impl Bn {
    fn from_biguint(n: &BigUint) -> Option<Bn> {
        let bytes = n.to_bytes_be();
        // SAFETY: BN_bin2bn reads exactly `bytes.len()` bytes from a live slice and, with
        // a null `ret`, returns a newly allocated BIGNUM (or null on allocation failure).
        let p = unsafe { ffi::BN_bin2bn(bytes.as_ptr(), bytes.len(), std::ptr::null_mut()) };
        (!p.is_null()).then_some(Bn(p))
    }

    fn new() -> Option<Bn> {
        // SAFETY: BN_new has no preconditions; it returns a new BIGNUM or null.
        let p = unsafe { ffi::BN_new() };
        (!p.is_null()).then_some(Bn(p))
    }

    /// Sets the number to `words` (little-endian), keeping all 48 words as its width.
    fn load(&self, words: &[u64; WORDS]) -> Option<()> {
        let mut bytes = [0u8; LEN];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        // SAFETY: `self.0` is a valid BIGNUM, which BN_le2bn resizes and fills from the
        // `bytes.len()` bytes of the live buffer, returning it (or null on failure).
        let p = unsafe { ffi::BN_le2bn(bytes.as_ptr(), bytes.len(), self.0) };
        (!p.is_null()).then_some(())
    }

    fn to_biguint(&self) -> Option<BigUint> {
        let mut out = [0u8; LEN];
        // SAFETY: `self.0` is a valid BIGNUM (non-null, owned); BN_bn2bin_padded writes at
        // most `out.len()` bytes into the live buffer and returns 0 if it does not fit.
        let ok = unsafe { ffi::BN_bn2bin_padded(out.as_mut_ptr(), out.len(), self.0) };
        (ok == 1).then(|| BigUint::from_bytes_be(&out))
    }
}

impl Drop for Bn {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from BN_new/BN_bin2bn, is non-null and is freed only here.
        unsafe { ffi::BN_clear_free(self.0) }
    }
}

/// N with its Montgomery context, made once and only read afterwards.
struct Modulus {
    n: Bn,
    mont: *mut ffi::BN_MONT_CTX,
}

// SAFETY: after construction neither the BIGNUM nor the Montgomery context is written:
// BN_mod_exp_mont_consttime and BN_mod_mul_montgomery take them as const pointers, and aws-lc documents a
// BN_MONT_CTX as safe to share between threads for reading.
unsafe impl Send for Modulus {}
// SAFETY: as for Send: shared use is read-only.
unsafe impl Sync for Modulus {}

impl Drop for Modulus {
    fn drop(&mut self) {
        // SAFETY: `mont` came from BN_MONT_CTX_new_for_modulus, is non-null and is freed
        // only here.
        unsafe { ffi::BN_MONT_CTX_free(self.mont) }
    }
}

static MODULUS: LazyLock<Option<Modulus>> = LazyLock::new(|| {
    let n = Bn::from_biguint(&N)?;
    // SAFETY: `n.0` is a valid odd modulus; a null BN_CTX is allowed (aws-lc allocates
    // a temporary one); the result is null on failure.
    let mont = unsafe { ffi::BN_MONT_CTX_new_for_modulus(n.0, std::ptr::null_mut()) };
    (!mont.is_null()).then_some(Modulus { n, mont })
});

/// An owned BN_CTX (scratch space for one computation).
struct Ctx(*mut ffi::BN_CTX);

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from BN_CTX_new, is non-null and is freed only here.
        unsafe { ffi::BN_CTX_free(self.0) }
    }
}

/// base^e mod N, in time independent of the exponent's bits. None only if aws-lc cannot
/// allocate.
pub fn pow(base: &BigUint, e: &BigUint) -> Option<BigUint> {
    let m = MODULUS.as_ref()?;
    let base = Bn::from_biguint(&(base % &*N))?;
    let e = Bn::from_biguint(e)?;
    let out = Bn::new()?;
    // SAFETY: BN_CTX_new has no preconditions; it returns a new context or null.
    let ctx = Ctx(unsafe { ffi::BN_CTX_new() });
    if ctx.0.is_null() {
        return None;
    }
    // SAFETY: every pointer is a live, owned, non-null object of the right type; the base
    // is reduced below the modulus as the function requires; `out` is distinct from the
    // inputs.
    let ok = unsafe { ffi::BN_mod_exp_mont_consttime(out.0, base.0, e.0, m.n.0, ctx.0, m.mont) };
    if ok != 1 {
        return None;
    }
    out.to_biguint()
}

/// Montgomery multiplications modulo N by aws-lc (its `bn_mul_mont` or s2n-bignum
/// assembly, constant time) on numbers held as 48 little-endian 64-bit words below N:
/// an accumulator multiplied in turn by operands.
pub(crate) struct Montgomery {
    acc: Bn,
    spare: Bn,
    operand: Bn,
    ctx: Ctx,
}

impl Montgomery {
    /// An accumulator holding `start`. None only if aws-lc cannot allocate.
    pub(crate) fn new(start: &[u64; WORDS]) -> Option<Montgomery> {
        // SAFETY: BN_CTX_new has no preconditions; it returns a new context or null.
        let ctx = Ctx(unsafe { ffi::BN_CTX_new() });
        if ctx.0.is_null() {
            return None;
        }
        let m = Montgomery {
            acc: Bn::new()?,
            spare: Bn::new()?,
            operand: Bn::new()?,
            ctx,
        };
        m.acc.load(start)?;
        Some(m)
    }

    /// acc = acc · b · R⁻¹ mod N, with b below N. None only if aws-lc fails.
    pub(crate) fn mul(&mut self, b: &[u64; WORDS]) -> Option<()> {
        let m = MODULUS.as_ref()?;
        self.operand.load(b)?;
        // SAFETY: all pointers are live, owned, non-null objects of the right type;
        // `spare` is distinct from both inputs; both inputs are non-negative and, loaded
        // from 384 bytes, exactly as wide as N (48 words), which is what sends aws-lc
        // to its constant-time assembly.
        let ok = unsafe {
            ffi::BN_mod_mul_montgomery(self.spare.0, self.acc.0, self.operand.0, m.mont, self.ctx.0)
        };
        if ok != 1 {
            return None;
        }
        std::mem::swap(&mut self.acc, &mut self.spare);
        Some(())
    }

    /// The accumulator's words.
    pub(crate) fn value(&self) -> Option<[u64; WORDS]> {
        let mut bytes = [0u8; LEN];
        // SAFETY: `acc.0` is a valid BIGNUM; BN_bn2le_padded writes at most `bytes.len()`
        // bytes into the live buffer and returns 0 if the number does not fit.
        let ok = unsafe { ffi::BN_bn2le_padded(bytes.as_mut_ptr(), bytes.len(), self.acc.0) };
        if ok != 1 {
            return None;
        }
        let mut out = [0u64; WORDS];
        for (word, chunk) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(chunk);
            *word = u64::from_le_bytes(le);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn powers_match_plain_modpow() {
        let mut rng = rand::rng();
        for _ in 0..10 {
            let mut base = [0u8; 400];
            rng.fill_bytes(&mut base);
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            let (base, e) = (
                BigUint::from_bytes_be(&base),
                BigUint::from_bytes_be(&bytes),
            );
            assert_eq!(pow(&base, &e), Some(base.modpow(&e, &N)));
        }
        let base = BigUint::from(12345u32);
        assert_eq!(pow(&base, &BigUint::from(0u32)), Some(BigUint::from(1u32)));
        assert_eq!(pow(&base, &BigUint::from(1u32)), Some(base));
    }
}
