//! A small seeded random number generator shared by data generation and shuffling.
//!
//! Mulberry32 is what the TF.js reference harness (`shared/bench/tfjs`) uses, so the same seed
//! gives the same spiral here and there, and benchmark figures compare like with like.

/// Mulberry32: 32-bit state, fast, good enough for data generation and shuffles.
#[derive(Debug, Clone)]
pub struct Mulberry32 {
    state: u32,
}

impl Mulberry32 {
    pub fn new(seed: u32) -> Self {
        Self { state: seed }
    }

    /// The next value in `[0, 1)`, bit-identical to the harness's JavaScript `next()`.
    pub fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x6D2B_79F5);
        let mut t = self.state;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }

    /// A standard normal sample (Box-Muller from two uniforms, as the harness does).
    pub fn next_gaussian(&mut self) -> f64 {
        let mut u1 = self.next_f64();
        while u1 == 0.0 {
            u1 = self.next_f64();
        }
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// A uniform index in `0..len`; `len` must be non-zero.
    pub fn next_index(&mut self, len: usize) -> usize {
        ((self.next_f64() * len as f64) as usize).min(len - 1)
    }

    /// Fisher-Yates shuffle, the same order as the harness for the same seed.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.next_index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_javascript_reference_sequence() {
        // First values of mulberry32(42) as printed by the TF.js harness's own `next()`.
        let mut rng = Mulberry32::new(42);
        let first: Vec<f64> = (0..3).map(|_| rng.next_f64()).collect();
        assert_eq!(
            first,
            vec![0.6011037519201636, 0.44829055899754167, 0.8524657934904099]
        );
    }

    #[test]
    fn shuffle_matches_the_javascript_reference_order() {
        let mut items: Vec<usize> = (0..10).collect();
        Mulberry32::new(43).shuffle(&mut items);
        assert_eq!(items, [8, 1, 7, 5, 3, 6, 0, 4, 2, 9]);
    }

    #[test]
    fn shuffle_is_a_permutation_and_depends_on_the_seed() {
        let mut a: Vec<usize> = (0..100).collect();
        let mut b = a.clone();
        Mulberry32::new(1).shuffle(&mut a);
        Mulberry32::new(2).shuffle(&mut b);
        assert_ne!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn gaussian_has_roughly_unit_variance() {
        let mut rng = Mulberry32::new(7);
        let samples: Vec<f64> = (0..20_000).map(|_| rng.next_gaussian()).collect();
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / samples.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
