//! The comment cells of one wave: a partition of the units that answered
//! into groups of at least the minimum number of respondents.
//!
//! Bottom-up over the unit tree: a unit whose own respondents reach the
//! minimum is a cell of its own; the rest wait for their parent, where the
//! parent's own respondents and every child's waiting units are pooled, and
//! become a cell named after the parent once they reach the minimum. What
//! still waits at a root joins the smallest cell under that root (which is
//! then named after the root); a root with no cell at all shows nothing.

/// One group of units whose comments are shown together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The unit the cell is named after: a unit alone, or the node where
    /// its units were pooled.
    pub node: usize,
    /// The units whose respondents the cell holds, ascending.
    pub members: Vec<usize>,
    /// The members are all the units with respondents in the node's subtree
    /// (the cell is the node as a whole), not only the ones left over.
    pub whole: bool,
}

/// The cells of a wave, and the units whose comments no cell may show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Partition {
    pub cells: Vec<Cell>,
    /// Units with respondents under a root too small for any cell.
    pub withheld: Vec<usize>,
}

impl Partition {
    /// The cell a unit's comments are shown in.
    pub fn cell_of(&self, unit: usize) -> Option<usize> {
        self.cells.iter().position(|c| c.members.contains(&unit))
    }
}

/// The partition of units (`parents[u]`: u's parent, `None` for a root) by
/// their own respondents, each cell holding at least `min` of them.
pub fn partition(parents: &[Option<usize>], respondents: &[u64], min: u64) -> Partition {
    let n = parents.len();
    assert_eq!(respondents.len(), n, "one count per unit");
    let min = min.max(1);
    let mut children = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (u, p) in parents.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(u),
            None => roots.push(u),
        }
    }
    let mut out = Partition::default();
    for root in roots {
        let first_cell = out.cells.len();
        let waiting = pool(root, &children, respondents, min, &mut out.cells);
        if waiting.is_empty() {
            continue;
        }
        let smallest = (first_cell..out.cells.len()).min_by_key(|&c| {
            let size: u64 = out.cells[c].members.iter().map(|&u| respondents[u]).sum();
            (size, c)
        });
        match smallest {
            Some(c) => {
                let alone = out.cells.len() - first_cell == 1;
                let cell = &mut out.cells[c];
                cell.members.extend(waiting);
                cell.members.sort_unstable();
                cell.node = root;
                cell.whole = alone;
            }
            None => out.withheld.extend(waiting),
        }
    }
    out.withheld.sort_unstable();
    out
}

/// The units of `node`'s subtree not yet in a cell, after making the cells
/// its subtree can make.
fn pool(
    node: usize,
    children: &[Vec<usize>],
    respondents: &[u64],
    min: u64,
    cells: &mut Vec<Cell>,
) -> Vec<usize> {
    let before = cells.len();
    let mut waiting: Vec<usize> = Vec::new();
    if respondents[node] > 0 {
        waiting.push(node);
    }
    for &c in &children[node] {
        waiting.extend(pool(c, children, respondents, min, cells));
    }
    let count: u64 = waiting.iter().map(|&u| respondents[u]).sum();
    if count >= min {
        waiting.sort_unstable();
        cells.push(Cell {
            node,
            members: waiting,
            whole: cells.len() == before,
        });
        return Vec::new();
    }
    waiting
}
