//! The survival function of the two-sided one-sample Kolmogorov–Smirnov statistic `D_n`, the
//! distribution `scipy.stats.kstwo` uses for `ks_2samp(..., method="asymp")`'s p-value.
//!
//! No one formula is accurate everywhere, so each region of `(n, d)` takes the method Simard
//! and L'Ecuyer (2011, "Computing the two-sided Kolmogorov–Smirnov distribution") recommend,
//! with SciPy's boundaries between them, so the p-values agree with SciPy's to far below the
//! 1e-6 the monitor's tests demand:
//!
//! - `n·d ≤ 1` and `n·d ≥ n − 1`: Ruben and Gambino's closed forms;
//! - `d ≥ 0.5`, and large `n·d²`: twice the one-sided Smirnov tail (exact for `d ≥ 0.5`,
//!   Miller's approximation otherwise);
//! - small `n·d²`: Durbin's matrix (Marsaglia, Tsang and Wang), or Pomeranz's recursion for
//!   `n ≤ 140`, or the Pelz–Good series for large `n`.
//!
//! Products of many small or large factors are kept in range by scaling with powers of two,
//! recorded in an exponent and undone at the end.

const SCALE_EXPONENT: i32 = 128;
/// 2^128 and 2^-128: the scaling steps.
const BIG: f64 = 3.402_823_669_209_385e38;
const SMALL: f64 = 1.0 / BIG;

/// `P(D_n ≥ d)`, in `[0, 1]`.
pub fn two_sided_sf(n: u64, d: f64) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d >= 1.0 {
        return 0.0;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let size = n as f64;
    let t = size * d;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        return clip(1.0 - ruben_gambino_low(n, t));
    }
    if t >= size - 1.0 {
        return clip(2.0 * (1.0 - d).powf(size));
    }
    if d >= 0.5 {
        return clip(2.0 * smirnov_sf(n, d));
    }
    let n_d_squared = t * d;
    if n <= 140 {
        let cdf = if n_d_squared <= 0.754_693 {
            durbin_cdf(n, d)
        } else if n_d_squared <= 4.0 {
            pomeranz_cdf(n, d)
        } else {
            return clip(2.0 * smirnov_sf(n, d));
        };
        return clip(1.0 - clip(cdf));
    }
    if n_d_squared >= 370.0 {
        return 0.0;
    }
    if n_d_squared >= 2.2 {
        return clip(2.0 * smirnov_sf(n, d));
    }
    let cdf = if n <= 100_000 && size * d.powf(1.5) <= 1.4 {
        durbin_cdf(n, d)
    } else {
        pelz_good_cdf(n, d)
    };
    clip(1.0 - clip(cdf))
}

fn clip(probability: f64) -> f64 {
    probability.clamp(0.0, 1.0)
}

/// `P(D_n ≤ d)` for `1/(2n) < d ≤ 1/n` (`t = n·d`): `n!/nⁿ · (2t − 1)ⁿ`.
fn ruben_gambino_low(n: u64, t: f64) -> f64 {
    let size = n as f64;
    if n <= 140 {
        (1..=n).fold(1.0, |product, i| {
            product * (i as f64 / size) * (2.0 * t - 1.0)
        })
    } else {
        (ln_factorial_over_power(size) + size * (2.0 * t - 1.0).ln()).exp()
    }
}

/// `ln(n! / nⁿ)` by Stirling's series with `n·ln n` taken out first, so nothing cancels.
fn ln_factorial_over_power(n: f64) -> f64 {
    // B_2j / (2j (2j − 1)) for j = 8 down to 1, for Horner's rule in 1/n².
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_6e-3,
        8.417_508_417_508_418e-4,
        -5.952_380_952_380_952e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let reciprocal = 1.0 / n;
    let series = STIRLING
        .iter()
        .fold(0.0, |sum, coefficient| sum * (reciprocal / n) + coefficient);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + reciprocal * series
}

/// The one-sided tail `P(D⁺_n ≥ d)` by the Birnbaum–Tingey sum
/// `d · Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (1 − d − j/n)^(n−j) (d + j/n)^(j−1)`, each term in logs.
/// Every term is positive, so the sum loses nothing to cancellation.
pub fn smirnov_sf(n: u64, d: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let size = n as f64;
    let last = (size * (1.0 - d)).floor() as u64;
    let ln_factorials = LnFactorials::up_to(n);
    let mut sum = 0.0;
    for j in 0..=last {
        let step = j as f64 / size;
        let below = 1.0 - d - step;
        if below <= 0.0 {
            continue;
        }
        let ln_term = ln_factorials.choose(n, j)
            + (n - j) as f64 * below.ln()
            + (j as f64 - 1.0) * (d + step).ln();
        sum += ln_term.exp();
    }
    clip(d * sum)
}

struct LnFactorials(Vec<f64>);

impl LnFactorials {
    fn up_to(n: u64) -> Self {
        let mut table = Vec::with_capacity(n as usize + 1);
        let mut running = 0.0;
        table.push(0.0);
        for i in 1..=n {
            running += (i as f64).ln();
            table.push(running);
        }
        Self(table)
    }

    fn choose(&self, n: u64, k: u64) -> f64 {
        self.0[n as usize] - self.0[k as usize] - self.0[(n - k) as usize]
    }
}

/// Durbin's matrix method as Marsaglia, Tsang and Wang (2003) compute it: with
/// `d = (k − h)/n`, `P(D_n < d) = n!/nⁿ · (Hⁿ)_kk` for an `(2k−1)²` matrix `H`. Suited to small
/// `k`, so used only where `n·d` is small.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    let size = n as f64;
    let nd = size * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut first_column = vec![0.0; m];
    let mut reciprocal_factorials = vec![0.0; m];
    let mut factorial_reciprocal = 1.0;
    for j in 1..=m {
        reciprocal_factorials[j - 1] = factorial_reciprocal;
        factorial_reciprocal /= j as f64;
        first_column[j - 1] = (1.0 - h.powi(j as i32)) * factorial_reciprocal;
    }
    let corner = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    first_column[m - 1] = (1.0 + corner) * factorial_reciprocal;

    let mut matrix = Matrix::zeros(m);
    for column in 1..m {
        for row in (column - 1)..m {
            matrix.set(row, column, reciprocal_factorials[row + 1 - column]);
        }
    }
    for (row, &value) in first_column.iter().enumerate() {
        matrix.set(row, 0, value);
    }
    for column in 0..m {
        matrix.set(m - 1, column, first_column[m - 1 - column]);
    }

    let mut power = Matrix::identity(m);
    let mut exponent: i32 = 0;
    let mut matrix_exponent: i32 = 0;
    let mut remaining = n;
    while remaining > 0 {
        if remaining % 2 == 1 {
            power = power.times(&matrix);
            exponent += matrix_exponent;
        }
        matrix = matrix.times(&matrix);
        matrix_exponent *= 2;
        if matrix.get(k - 1, k - 1).abs() > BIG {
            matrix.scale(SMALL);
            matrix_exponent += SCALE_EXPONENT;
        }
        remaining /= 2;
    }
    let mut probability = power.get(k - 1, k - 1);
    for i in 1..=n {
        probability = i as f64 * probability / size;
        if probability.abs() < SMALL {
            probability *= BIG;
            exponent -= SCALE_EXPONENT;
        }
    }
    times_power_of_two(probability, exponent)
}

/// Pomeranz's (1974) recursion: `P(D_n ≤ d) = n! · V[2n+1][n]`, each row a convolution of the
/// last with one of three Poisson-like weight sequences; only a band of each row is non-zero.
fn pomeranz_cdf(n: u64, d: f64) -> f64 {
    let n = n as usize;
    let size = n as f64;
    let t = size * d;
    let whole = t.floor() as usize;
    let fraction = t - whole as f64;
    let g = fraction.min(1.0 - fraction);
    let ceil_fraction = usize::from(fraction > 0.0);
    let round_fraction = usize::from(fraction > 0.5);
    let powers_needed = 2 * (whole + 1);
    let weights = |base: f64| {
        let mut sequence = vec![1.0; powers_needed];
        for m in 1..powers_needed {
            sequence[m] = sequence[m - 1] * base / m as f64;
        }
        sequence
    };
    let g_weights = weights(g / size);
    let two_g_weights = weights(2.0 * g / size);
    let rest_weights = weights((1.0 - 2.0 * g) / size);

    let band = |row: usize| -> (usize, usize) {
        let (low, high): (i64, i64) = if row == 0 {
            (
                -(whole as i64) - ceil_fraction as i64 - 1,
                (whole + ceil_fraction) as i64 - 1,
            )
        } else {
            let half = row.div_ceil(2);
            let odd_row = (row + 1).is_multiple_of(2);
            let (half, whole, ceil_fraction, round_fraction) = (
                half as i64,
                whole as i64,
                ceil_fraction as i64,
                round_fraction as i64,
            );
            if odd_row {
                if half == size as i64 + 1 {
                    (
                        size as i64 - whole - ceil_fraction - 1,
                        size as i64 + whole + ceil_fraction - 1,
                    )
                } else {
                    (
                        half - 1 - whole - round_fraction - 1,
                        half + whole - 1 + ceil_fraction - 1,
                    )
                }
            } else {
                (half - 1 - whole - 1, half + whole + round_fraction - 1)
            }
        };
        (
            (low + 2).max(0) as usize,
            high.min(n as i64).max(-1) as usize,
        )
    };

    let mut previous = vec![0.0; powers_needed];
    let mut current = vec![0.0; powers_needed];
    current[0] = 1.0;
    let mut previous_start = 0usize;
    let mut current_start = 0usize;
    let mut exponent: i32 = 0;
    let (mut low, _) = band(0);
    for row in 1..(2 * n + 2) {
        let kept_low = low;
        std::mem::swap(&mut previous, &mut current);
        std::mem::swap(&mut previous_start, &mut current_start);
        current.iter_mut().for_each(|value| *value = 0.0);
        let (new_low, new_high) = band(row);
        low = new_low;
        let weights = if row == 1 || row == 2 * n + 1 {
            &g_weights
        } else if row % 2 == 1 {
            &two_g_weights
        } else {
            &rest_weights
        };
        let span = new_high as i64 - kept_low as i64 + 1;
        if span > 0 {
            let span = span as usize;
            let offset = kept_low - previous_start;
            let first = new_low - kept_low;
            let count = new_high + 1 - new_low;
            for (target, slot) in current.iter_mut().enumerate().take(count) {
                let index = first + target;
                let mut sum = 0.0;
                for i in 0..=index.min(span - 1) {
                    let j = index - i;
                    if j < span {
                        let weight = weights.get(j).copied().unwrap_or(0.0);
                        sum += previous.get(offset + i).copied().unwrap_or(0.0) * weight;
                    }
                }
                *slot = sum;
            }
            let largest = current.iter().cloned().fold(0.0, f64::max);
            if largest > 0.0 && largest < SMALL {
                current.iter_mut().for_each(|value| *value *= BIG);
                exponent -= SCALE_EXPONENT;
            }
            current_start = previous_start + new_low - kept_low;
        }
    }
    let mut answer = current[n - current_start];
    for m in 1..=n {
        if answer.abs() > BIG {
            answer *= SMALL;
            exponent += SCALE_EXPONENT;
        }
        answer *= m as f64;
    }
    times_power_of_two(answer, exponent)
}

/// The Pelz–Good (1976) asymptotic series in `1/√n`, each term rewritten with Jacobi theta
/// functions so it converges fast for small `z = d·√n`.
fn pelz_good_cdf(n: u64, d: f64) -> f64 {
    use std::f64::consts::PI;
    let size = n as f64;
    let z = size.sqrt() * d;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let q_log = -PI * PI / 8.0 / z2;
    if q_log < -708.0 {
        return 0.0;
    }
    let q = q_log.exp();
    let pi2 = PI * PI;
    let pi4 = pi2 * pi2;
    let pi6 = pi4 * pi2;
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);

    let mut terms = [0.0f64; 4];
    let max_k = (16.0 * z / PI).ceil() as i64;
    for k in (1..=max_k).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let q_power = q.powf(8.0 * k as f64);
        let coefficients = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (term, coefficient) in terms.iter_mut().zip(coefficients) {
            *term = *term * q_power + coefficient;
        }
    }
    let sqrt_2pi = (2.0 * PI).sqrt();
    let divisors = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (term, divisor) in terms.iter_mut().zip(divisors) {
        *term = *term * q * sqrt_2pi / divisor;
    }
    let q_whole = (-pi2 / 2.0 / z2).exp();
    let sqrt3_z = 3f64.sqrt() * z;
    let mut k2_extra = 0.0;
    let mut k3_extra = 0.0;
    for k in (1..=max_k).rev() {
        let k_squared = (k * k) as f64;
        let q_power = q_whole.powf(k_squared);
        let k_pi = PI * k as f64;
        k2_extra += k_squared * q_power;
        k3_extra += (sqrt3_z + k_pi) * (sqrt3_z - k_pi) * k_squared * q_power;
    }
    terms[2] += k2_extra * pi2 * sqrt_2pi / (-36.0 * z3);
    terms[3] += k3_extra * pi2 * sqrt_2pi / (216.0 * z6);
    terms
        .iter()
        .enumerate()
        .map(|(i, term)| term / size.powf(i as f64 / 2.0))
        .sum()
}

fn times_power_of_two(value: f64, exponent: i32) -> f64 {
    if exponent == 0 {
        value
    } else {
        value * 2f64.powi(exponent)
    }
}

/// A square matrix, row-major: Durbin's method needs only products.
struct Matrix {
    size: usize,
    cells: Vec<f64>,
}

impl Matrix {
    fn zeros(size: usize) -> Self {
        Self {
            size,
            cells: vec![0.0; size * size],
        }
    }

    fn identity(size: usize) -> Self {
        let mut matrix = Self::zeros(size);
        for i in 0..size {
            matrix.set(i, i, 1.0);
        }
        matrix
    }

    fn get(&self, row: usize, column: usize) -> f64 {
        self.cells[row * self.size + column]
    }

    fn set(&mut self, row: usize, column: usize, value: f64) {
        self.cells[row * self.size + column] = value;
    }

    fn scale(&mut self, factor: f64) {
        self.cells.iter_mut().for_each(|cell| *cell *= factor);
    }

    fn times(&self, other: &Matrix) -> Matrix {
        let size = self.size;
        let mut product = Matrix::zeros(size);
        for row in 0..size {
            for middle in 0..size {
                let left = self.get(row, middle);
                if left == 0.0 {
                    continue;
                }
                for column in 0..size {
                    product.cells[row * size + column] += left * other.get(middle, column);
                }
            }
        }
        product
    }
}
