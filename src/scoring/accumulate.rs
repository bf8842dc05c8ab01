//! Streaming sufficient statistics of scored responses.
//!
//! One pass over the responses fills, per wave and unit, the moments of each
//! item and of each dimension score, and per wave and dimension the integer
//! sums and cross-products of complete cases. Everything the score report
//! needs follows from these, so memory depends on waves × units × items, never
//! on the number of respondents.

use crate::stats::descriptive::Moments;
use crate::survey::Survey;

/// An answer as the scorer sees it: the value on the survey's scale, or one
/// of the two kinds of missing.
pub type Answer = i8;
pub const MISSING: Answer = i8::MIN;
pub const DONT_KNOW: Answer = i8::MIN + 1;

/// What scoring needs to know of a survey, laid out for the hot loop.
#[derive(Debug, Clone)]
pub struct Layout {
    pub items: usize,
    /// Per item: true when reverse-keyed.
    reverse: Vec<bool>,
    /// min + max of the scale, for reverse keying.
    mirror: i32,
    pub dimensions: Vec<DimensionLayout>,
}

#[derive(Debug, Clone)]
pub struct DimensionLayout {
    pub items: Vec<usize>,
    pub min_answered: usize,
}

impl Layout {
    pub fn of(survey: &Survey) -> Layout {
        Layout {
            items: survey.items.len(),
            reverse: survey.items.iter().map(|i| i.reverse).collect(),
            mirror: survey.scale.min + survey.scale.max,
            dimensions: survey
                .dimensions
                .iter()
                .map(|d| DimensionLayout {
                    items: d.items.clone(),
                    min_answered: d.min_answered,
                })
                .collect(),
        }
    }

    /// The value used in scoring: reverse-keyed items are mirrored.
    #[inline]
    pub fn keyed(&self, item: usize, value: Answer) -> i32 {
        if self.reverse[item] {
            self.mirror - value as i32
        } else {
            value as i32
        }
    }

    /// A person's dimension score: the mean of the answered, keyed items, when
    /// at least `min_answered` are answered.
    pub fn score(&self, dimension: usize, answers: &[Answer]) -> Option<f64> {
        let d = &self.dimensions[dimension];
        let (mut sum, mut count) = (0i32, 0usize);
        for &i in &d.items {
            let a = answers[i];
            if a != MISSING && a != DONT_KNOW {
                sum += self.keyed(i, a);
                count += 1;
            }
        }
        (count >= d.min_answered).then(|| sum as f64 / count as f64)
    }
}

/// Item moments in exact integer arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ItemMoments {
    pub n: u64,
    pub sum: i64,
    pub sum_sq: i64,
    pub dont_know: u64,
    pub missing: u64,
}

impl ItemMoments {
    /// The sample variance, with at least two answers.
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| {
            let n = self.n as i128;
            let centred = self.sum_sq as i128 * n - (self.sum as i128).pow(2);
            centred as f64 / (n * (n - 1)) as f64
        })
    }

    fn merge(&mut self, o: &ItemMoments) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        self.dont_know += o.dont_know;
        self.missing += o.missing;
    }
}

/// One wave in one unit.
#[derive(Debug, Clone)]
pub struct Cell {
    pub respondents: u64,
    pub items: Vec<ItemMoments>,
    pub dimensions: Vec<Moments>,
}

impl Cell {
    fn new(layout: &Layout, origin: f64) -> Cell {
        Cell {
            respondents: 0,
            items: vec![ItemMoments::default(); layout.items],
            dimensions: vec![Moments::with_origin(origin); layout.dimensions.len()],
        }
    }

    fn merge(&mut self, o: &Cell) {
        self.respondents += o.respondents;
        for (a, b) in self.items.iter_mut().zip(&o.items) {
            a.merge(b);
        }
        for (a, b) in self.dimensions.iter_mut().zip(&o.dimensions) {
            a.merge(b);
        }
    }
}

/// Sums and cross-products of one dimension's keyed items over complete cases.
#[derive(Debug, Clone, PartialEq)]
pub struct CompleteCases {
    pub n: u64,
    pub sum: Vec<i64>,
    /// k × k, row-major.
    pub cross: Vec<i64>,
}

impl CompleteCases {
    fn new(k: usize) -> CompleteCases {
        CompleteCases {
            n: 0,
            sum: vec![0; k],
            cross: vec![0; k * k],
        }
    }

    fn merge(&mut self, o: &CompleteCases) {
        self.n += o.n;
        self.sum.iter_mut().zip(&o.sum).for_each(|(a, b)| *a += b);
        self.cross
            .iter_mut()
            .zip(&o.cross)
            .for_each(|(a, b)| *a += b);
    }
}

/// One wave: its cells by unit index and its complete-case sums by dimension.
#[derive(Debug, Clone)]
pub struct WaveStats {
    pub cells: Vec<Option<Cell>>,
    pub complete: Vec<CompleteCases>,
}

/// The statistics of a stream of responses, keyed by wave and unit indices
/// that the caller assigns (and names).
#[derive(Debug, Clone)]
pub struct Accumulator {
    pub layout: Layout,
    origin: f64,
    pub waves: Vec<WaveStats>,
    keyed: Vec<i32>,
}

impl Accumulator {
    pub fn new(survey: &Survey) -> Accumulator {
        let layout = Layout::of(survey);
        Accumulator {
            origin: (survey.scale.min + survey.scale.max) as f64 / 2.0,
            keyed: vec![0; layout.items],
            layout,
            waves: Vec::new(),
        }
    }

    fn ensure_wave(&mut self, wave: usize) {
        while self.waves.len() <= wave {
            let complete = self
                .layout
                .dimensions
                .iter()
                .map(|d| CompleteCases::new(d.items.len()))
                .collect();
            self.waves.push(WaveStats {
                cells: Vec::new(),
                complete,
            });
        }
    }

    fn cell(&mut self, wave: usize, unit: usize) -> &mut Cell {
        self.ensure_wave(wave);
        let cells = &mut self.waves[wave].cells;
        if cells.len() <= unit {
            cells.resize(unit + 1, None);
        }
        let (layout, origin) = (&self.layout, self.origin);
        cells[unit].get_or_insert_with(|| Cell::new(layout, origin))
    }

    /// Adds one respondent's answers (one per survey item, in survey order).
    pub fn push(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        debug_assert_eq!(answers.len(), self.layout.items);
        self.cell(wave, unit);
        let Accumulator {
            layout,
            waves,
            keyed,
            ..
        } = self;
        let stats = &mut waves[wave];
        let cell = stats.cells[unit].as_mut().expect("cell created above");
        cell.respondents += 1;
        for (i, &a) in answers.iter().enumerate() {
            let m = &mut cell.items[i];
            match a {
                MISSING => m.missing += 1,
                DONT_KNOW => m.dont_know += 1,
                _ => {
                    let v = layout.keyed(i, a);
                    keyed[i] = v;
                    m.n += 1;
                    m.sum += v as i64;
                    m.sum_sq += (v * v) as i64;
                }
            }
        }
        for (d, dim) in layout.dimensions.iter().enumerate() {
            let (mut sum, mut answered) = (0i32, 0usize);
            for &i in &dim.items {
                if answers[i] > DONT_KNOW {
                    sum += keyed[i];
                    answered += 1;
                }
            }
            if answered < dim.min_answered {
                continue;
            }
            cell.dimensions[d].push(sum as f64 / answered as f64);
            if answered == dim.items.len() {
                let cc = &mut stats.complete[d];
                cc.n += 1;
                let k = dim.items.len();
                for (a, &i) in dim.items.iter().enumerate() {
                    let x = keyed[i] as i64;
                    cc.sum[a] += x;
                    for (b, &j) in dim.items.iter().enumerate().skip(a) {
                        cc.cross[a * k + b] += x * keyed[j] as i64;
                    }
                }
            }
        }
    }

    /// Completes the symmetric cross-product matrices (only the upper triangle
    /// is summed in the hot loop). Call once, after the last `push` and merge.
    pub fn finish(&mut self) {
        for wave in &mut self.waves {
            for cc in &mut wave.complete {
                let k = cc.sum.len();
                for a in 0..k {
                    for b in 0..a {
                        cc.cross[a * k + b] = cc.cross[b * k + a];
                    }
                }
            }
        }
    }

    /// Adds another accumulator over the same survey, whose wave and unit
    /// indices are mapped to this one's by `wave_map` and `unit_map`.
    pub fn merge(&mut self, other: &Accumulator, wave_map: &[usize], unit_map: &[usize]) {
        for (w, wave) in other.waves.iter().enumerate() {
            let into = wave_map[w];
            self.ensure_wave(into);
            for (u, cell) in wave.cells.iter().enumerate() {
                if let Some(cell) = cell {
                    self.cell(into, unit_map[u]).merge(cell);
                }
            }
            for (a, b) in self.waves[into].complete.iter_mut().zip(&wave.complete) {
                a.merge(b);
            }
        }
    }
}
