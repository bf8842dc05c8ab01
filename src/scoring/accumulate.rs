//! Streaming sufficient statistics of scored responses.
//!
//! One pass over the responses fills, per wave and unit, a histogram of each
//! item's answers and of each dimension's (answered items, keyed sum) pairs,
//! and per wave and dimension the counts of complete answer patterns (or,
//! for dimensions with too many possible patterns, integer cross-products).
//! Everything the score report needs follows exactly from these counts:
//! memory depends on waves × units × items, never on the number of
//! respondents; and because the counts are integers, the results are the
//! same bit for bit whatever order the rows come in, on any number of threads
//! (the file path and the database path agree exactly).

use crate::stats::descriptive::Moments;
use crate::survey::Survey;

/// An answer as the scorer sees it: the value on the survey's scale, or one
/// of the two kinds of missing.
pub type Answer = i8;
pub const MISSING: Answer = i8::MIN;
pub const DONT_KNOW: Answer = i8::MIN + 1;

/// Complete-case patterns are counted when a dimension has at most this
/// many; beyond it, cross-products are summed instead.
const MAX_PATTERNS: usize = 1 << 16;

/// What scoring needs to know of a survey, laid out for the hot loop.
#[derive(Debug, Clone)]
pub struct Layout {
    pub items: usize,
    /// Scale points; answers are stored as offsets 0..points from `min`.
    pub points: usize,
    pub min: i32,
    /// min + max, for reverse keying.
    pub mirror: i32,
    /// Per item: true when reverse-keyed.
    reverse: Vec<bool>,
    /// Histogram slot of an answer, indexed by the answer's byte.
    slot: [u8; 256],
    pub dimensions: Vec<DimensionLayout>,
}

#[derive(Debug, Clone)]
pub struct DimensionLayout {
    pub items: Vec<usize>,
    pub min_answered: usize,
    /// Whether complete cases are counted as patterns.
    patterns: bool,
}

impl DimensionLayout {
    /// Possible keyed sums for a number of answered items: 0..=k·(points − 1).
    fn sums(&self, points: usize) -> usize {
        self.items.len() * (points - 1) + 1
    }
}

impl Layout {
    pub fn of(survey: &Survey) -> Layout {
        let points = survey.scale.points();
        let min = survey.scale.min;
        let mut slot = [points as u8; 256];
        for v in survey.scale.min..=survey.scale.max {
            slot[(v as Answer) as u8 as usize] = (v - min) as u8;
        }
        slot[MISSING as u8 as usize] = points as u8;
        slot[DONT_KNOW as u8 as usize] = points as u8 + 1;
        Layout {
            items: survey.items.len(),
            points,
            min,
            mirror: survey.scale.min + survey.scale.max,
            reverse: survey.items.iter().map(|i| i.reverse).collect(),
            slot,
            dimensions: survey
                .dimensions
                .iter()
                .map(|d| DimensionLayout {
                    items: d.items.clone(),
                    min_answered: d.min_answered,
                    patterns: (points as f64).powi(d.items.len() as i32) <= MAX_PATTERNS as f64,
                })
                .collect(),
        }
    }

    /// Histogram slots per item: the points, then missing, then don't know.
    fn slots(&self) -> usize {
        self.points + 2
    }

    /// The keyed value of an answer offset: reverse-keyed items are mirrored.
    #[inline]
    fn keyed_offset(&self, item: usize, offset: usize) -> usize {
        if self.reverse[item] {
            self.points - 1 - offset
        } else {
            offset
        }
    }
}

/// Moments of one item's keyed answers, in exact integers.
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
}

/// One wave in one unit: histograms of answers and of dimension scores.
#[derive(Debug, Clone)]
pub struct Cell {
    pub respondents: u64,
    /// [item][slot], see [`Layout::slots`].
    items: Vec<u64>,
    /// Per dimension: [answered][keyed sum of offsets].
    scores: Vec<Vec<u64>>,
}

impl Cell {
    /// A cell with nothing in it, to merge others into.
    pub fn new(layout: &Layout) -> Cell {
        Cell {
            respondents: 0,
            items: vec![0; layout.items * layout.slots()],
            scores: layout
                .dimensions
                .iter()
                .map(|d| vec![0; (d.items.len() + 1) * d.sums(layout.points)])
                .collect(),
        }
    }

    /// Adds another cell's counts (of the same layout).
    pub fn merge(&mut self, o: &Cell) {
        self.respondents += o.respondents;
        add(&mut self.items, &o.items);
        for (a, b) in self.scores.iter_mut().zip(&o.scores) {
            add(a, b);
        }
    }

    /// Respondents with a score on dimension `d`.
    pub fn scored(&self, layout: &Layout, d: usize) -> u64 {
        let dim = &layout.dimensions[d];
        let sums = dim.sums(layout.points);
        self.scores[d][dim.min_answered.max(1) * sums..]
            .iter()
            .sum()
    }

    /// How often each answer to item `item` was given, as answered (not
    /// keyed): one count per scale point from the lowest, then missing, then
    /// don't know.
    pub fn answer_counts<'a>(&'a self, layout: &Layout, item: usize) -> &'a [u64] {
        let slots = layout.slots();
        &self.items[item * slots..(item + 1) * slots]
    }

    /// The moments of item `item`'s keyed answers.
    pub fn item(&self, layout: &Layout, item: usize) -> ItemMoments {
        let slots = layout.slots();
        let h = &self.items[item * slots..(item + 1) * slots];
        let mut m = ItemMoments {
            missing: h[layout.points],
            dont_know: h[layout.points + 1],
            ..ItemMoments::default()
        };
        for (offset, &count) in h[..layout.points].iter().enumerate() {
            let x = (layout.keyed_offset(item, offset) as i32 + layout.min) as i64;
            m.n += count;
            m.sum += count as i64 * x;
            m.sum_sq += count as i64 * x * x;
        }
        m
    }

    /// The moments of the persons' scores on dimension `d`, centred on the
    /// scale's midpoint. A score is a keyed sum x over c answered items
    /// divided by c; the sums over each c are exact integers, combined in a
    /// fixed order.
    pub fn scores(&self, layout: &Layout, d: usize) -> Moments {
        let dim = &layout.dimensions[d];
        let sums = dim.sums(layout.points);
        let mirror = layout.mirror as i64;
        let (mut n, mut sum, mut sum_sq) = (0u64, 0.0, 0.0);
        for c in dim.min_answered.max(1)..=dim.items.len() {
            let (mut n_c, mut dev_c, mut dev_sq_c) = (0i64, 0i64, 0i128);
            for (s, &count) in self.scores[d][c * sums..(c + 1) * sums].iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let x = s as i64 + c as i64 * layout.min as i64;
                // 2·(score − midpoint)·c = 2x − mirror·c, an integer.
                let dev = 2 * x - mirror * c as i64;
                n_c += count as i64;
                dev_c += count as i64 * dev;
                dev_sq_c += count as i128 * (dev * dev) as i128;
            }
            let c = c as f64;
            n += n_c as u64;
            sum += dev_c as f64 / (2.0 * c);
            sum_sq += dev_sq_c as f64 / (4.0 * c * c);
        }
        Moments::from_sums(n, sum, sum_sq, layout.mirror as f64 / 2.0)
    }
}

fn add(a: &mut [u64], b: &[u64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
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

    fn add(&mut self, values: &[i64], count: u64) {
        let k = values.len();
        let c = count as i64;
        self.n += count;
        for a in 0..k {
            self.sum[a] += c * values[a];
            for b in 0..k {
                self.cross[a * k + b] += c * values[a] * values[b];
            }
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

/// Complete cases of one dimension as counted while reading.
#[derive(Debug, Clone)]
enum Complete {
    /// Count per pattern of keyed offsets, the first item most significant.
    Patterns(Vec<u64>),
    Sums(CompleteCases),
}

/// One wave: its cells by unit index and its complete cases by dimension.
#[derive(Debug, Clone)]
pub struct WaveStats {
    pub cells: Vec<Option<Cell>>,
    complete: Vec<Complete>,
}

/// The statistics of a stream of responses, keyed by wave and unit indices
/// that the caller assigns (and names).
#[derive(Debug, Clone)]
pub struct Accumulator {
    pub layout: Layout,
    pub waves: Vec<WaveStats>,
    offsets: Vec<usize>,
}

impl Accumulator {
    pub fn new(survey: &Survey) -> Accumulator {
        let layout = Layout::of(survey);
        Accumulator {
            offsets: vec![0; layout.items],
            layout,
            waves: Vec::new(),
        }
    }

    fn ensure_wave(&mut self, wave: usize) {
        while self.waves.len() <= wave {
            let points = self.layout.points;
            let complete = self
                .layout
                .dimensions
                .iter()
                .map(|d| {
                    if d.patterns {
                        Complete::Patterns(vec![0; points.pow(d.items.len() as u32)])
                    } else {
                        Complete::Sums(CompleteCases::new(d.items.len()))
                    }
                })
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
        let layout = &self.layout;
        cells[unit].get_or_insert_with(|| Cell::new(layout))
    }

    /// Adds one respondent's answers (one per survey item, in survey order).
    pub fn push(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        assert_eq!(answers.len(), self.layout.items, "one answer per item");
        self.cell(wave, unit);
        let Accumulator {
            layout,
            waves,
            offsets,
        } = self;
        let stats = &mut waves[wave];
        let cell = stats.cells[unit].as_mut().expect("cell created above");
        cell.respondents += 1;
        let slots = layout.slots();
        for (i, &a) in answers.iter().enumerate() {
            let slot = layout.slot[a as u8 as usize] as usize;
            cell.items[i * slots + slot] += 1;
            offsets[i] = slot;
        }
        let points = layout.points;
        for (d, dim) in layout.dimensions.iter().enumerate() {
            let (mut answered, mut sum, mut pattern) = (0usize, 0usize, 0usize);
            for &i in &dim.items {
                let offset = offsets[i];
                if offset < points {
                    let v = layout.keyed_offset(i, offset);
                    answered += 1;
                    sum += v;
                    pattern = pattern * points + v;
                }
            }
            if answered < dim.min_answered {
                continue;
            }
            cell.scores[d][answered * dim.sums(points) + sum] += 1;
            if answered == dim.items.len() {
                match &mut stats.complete[d] {
                    Complete::Patterns(counts) => counts[pattern] += 1,
                    Complete::Sums(cc) => {
                        let values: Vec<i64> = dim
                            .items
                            .iter()
                            .map(|&i| {
                                (layout.keyed_offset(i, offsets[i]) as i32 + layout.min) as i64
                            })
                            .collect();
                        cc.add(&values, 1);
                    }
                }
            }
        }
    }

    /// The complete-case sums and cross-products of dimension `d` in `wave`.
    pub fn complete_cases(&self, wave: usize, d: usize) -> CompleteCases {
        let k = self.layout.dimensions[d].items.len();
        match &self.waves[wave].complete[d] {
            Complete::Sums(cc) => cc.clone(),
            Complete::Patterns(counts) => {
                let mut cc = CompleteCases::new(k);
                let mut values = vec![0i64; k];
                for (pattern, &count) in counts.iter().enumerate() {
                    if count == 0 {
                        continue;
                    }
                    let mut rest = pattern;
                    for j in (0..k).rev() {
                        values[j] = (rest % self.layout.points) as i64 + self.layout.min as i64;
                        rest /= self.layout.points;
                    }
                    cc.add(&values, count);
                }
                cc
            }
        }
    }

    /// The same responses with units renamed: unit u's cells go to
    /// `unit_map[u]`, so several units can be pooled into one.
    pub fn remap_units(&self, unit_map: &[usize]) -> Accumulator {
        let mut out = Accumulator {
            layout: self.layout.clone(),
            waves: Vec::new(),
            offsets: vec![0; self.layout.items],
        };
        let waves: Vec<usize> = (0..self.waves.len()).collect();
        out.merge(self, &waves, unit_map);
        out
    }

    /// The respondents of one wave in one unit (0 where there are none).
    pub fn respondents(&self, wave: usize, unit: usize) -> u64 {
        self.waves
            .get(wave)
            .and_then(|s| s.cells.get(unit))
            .and_then(Option::as_ref)
            .map_or(0, |c| c.respondents)
    }

    /// Only the waves `keep` (by index, in that order).
    pub fn select_waves(&self, keep: &[usize]) -> Accumulator {
        Accumulator {
            layout: self.layout.clone(),
            waves: keep.iter().map(|&w| self.waves[w].clone()).collect(),
            offsets: self.offsets.clone(),
        }
    }

    /// What the disclosure plan needs of wave `wave`: per unit index (of
    /// `units` units), its respondents and scored respondents per dimension.
    pub fn unit_counts(&self, wave: usize, units: usize) -> Vec<crate::disclosure::UnitCounts> {
        let dims = self.layout.dimensions.len();
        (0..units)
            .map(|u| {
                match self
                    .waves
                    .get(wave)
                    .and_then(|w| w.cells.get(u))
                    .and_then(Option::as_ref)
                {
                    Some(cell) => crate::disclosure::UnitCounts {
                        respondents: cell.respondents,
                        scored: (0..dims).map(|d| cell.scored(&self.layout, d)).collect(),
                        invited: 0,
                        answered: 0,
                    },
                    None => crate::disclosure::UnitCounts::respondents(0, dims),
                }
            })
            .collect()
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
                match (a, b) {
                    (Complete::Patterns(a), Complete::Patterns(b)) => add(a, b),
                    (Complete::Sums(a), Complete::Sums(b)) => a.merge(b),
                    _ => unreachable!("accumulators of one survey count alike"),
                }
            }
        }
    }
}
