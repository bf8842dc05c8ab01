//! Which groups to hide so that no group smaller than the minimum size can be
//! seen or derived.
//!
//! Primary suppression hides every group below the minimum. Complementary
//! suppression then hides more groups, smallest first, until the hidden groups
//! are none, or at least two that together reach the minimum: otherwise the
//! total minus the visible groups would reveal the hidden one.

/// The hidden flags for groups of the given sizes, which together make a total
/// that is itself shown.
pub fn suppress(sizes: &[u64], min_group: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = sizes.iter().map(|&n| n < min_group).collect();
    loop {
        let count = hidden.iter().filter(|&&h| h).count();
        let total: u64 = sizes
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| **h)
            .map(|(n, _)| n)
            .sum();
        if count == 0 || (count >= 2 && total >= min_group) {
            return hidden;
        }
        // Hide the smallest visible group next.
        let next = sizes
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden[*i])
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i);
        match next {
            Some(i) => hidden[i] = true,
            None => return hidden,
        }
    }
}

/// Suppression in a tree of groups whose totals are all shown: an
/// organisation (the root, implicit) with units, units with sub-units.
/// `parent[i]` is node i's parent (None: a top-level node), `own[i]` the
/// count attached to node i itself; a node's figure covers its whole subtree.
///
/// The flat rule is applied at every shown group G: the parts of G are its
/// children and, when it has children, its own members (never shown apart, so
/// always counted as hidden). Whenever the hidden parts of G are non-empty and
/// together below `min_group`, the smallest visible child is hidden too, or
/// G − (visible parts) would reveal them. A hidden node hides its subtree (so a
/// hidden node's figure cannot be rebuilt from its children). Repeated until
/// nothing changes: hiding at one level can expose a group at the level above.
///
/// Returns the hidden flag of every node and whether the organisation's own
/// total is hidden (then everything is). Nodes on a parent cycle are hidden.
pub fn suppress_tree(parent: &[Option<usize>], own: &[u64], min_group: u64) -> (Vec<bool>, bool) {
    let n = parent.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) if *p < n => children[*p].push(i),
            _ => roots.push(i),
        }
    }
    // Pre-order from the roots; anything not reached sits on a cycle.
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    let mut reached = vec![false; n];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        order.push(i);
        stack.extend(children[i].iter().rev());
    }
    let mut size: Vec<u64> = own.to_vec();
    for &i in order.iter().rev() {
        if let Some(p) = parent[i].filter(|&p| p < n && reached[p]) {
            size[p] += size[i];
        }
    }
    let total: u64 = roots
        .iter()
        .filter(|&&r| reached[r])
        .map(|&r| size[r])
        .sum();
    if total < min_group {
        return (vec![true; n], true);
    }
    // Empty nodes have nothing to protect and protect nothing: they are
    // neither hidden parts nor candidates for complementary hiding.
    let mut hidden: Vec<bool> = (0..n)
        .map(|i| !reached[i] || (size[i] > 0 && size[i] < min_group))
        .collect();
    fn hide(i: usize, children: &[Vec<usize>], hidden: &mut [bool]) {
        hidden[i] = true;
        for &c in &children[i] {
            hide(c, children, hidden);
        }
    }
    for i in 0..n {
        if hidden[i] {
            hide(i, &children, &mut hidden);
        }
    }
    loop {
        let mut changed = false;
        // The organisation first, then every shown node.
        let groups = std::iter::once(None).chain(order.iter().map(|&i| Some(i)));
        for g in groups {
            let (parts, residual) = match g {
                None => (&roots, 0),
                Some(i) if hidden[i] || children[i].is_empty() => continue,
                Some(i) => (&children[i], own[i]),
            };
            loop {
                let hidden_sum: u64 = residual
                    + parts
                        .iter()
                        .filter(|&&c| hidden[c])
                        .map(|&c| size[c])
                        .sum::<u64>();
                let any_hidden = hidden_sum > 0;
                if !any_hidden || hidden_sum >= min_group {
                    break;
                }
                let next = parts
                    .iter()
                    .copied()
                    .filter(|&c| !hidden[c] && size[c] > 0)
                    .min_by_key(|&c| (size[c], c));
                match next {
                    Some(c) => {
                        hide(c, &children, &mut hidden);
                        changed = true;
                    }
                    None => break,
                }
            }
        }
        if !changed {
            return (hidden, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{suppress, suppress_tree};
    use proptest::prelude::*;

    #[test]
    fn nothing_is_hidden_when_every_group_is_large_enough() {
        assert_eq!(suppress(&[5, 9, 12], 5), vec![false, false, false]);
    }

    #[test]
    fn a_lone_small_group_takes_the_smallest_other_group_with_it() {
        // Without the second, total − visible = the small group.
        assert_eq!(suppress(&[3, 20, 8, 12], 5), vec![true, false, true, false]);
    }

    #[test]
    fn two_small_groups_that_together_stay_below_the_minimum_take_a_third() {
        assert_eq!(suppress(&[1, 2, 30, 9], 5), vec![true, true, false, true]);
    }

    #[test]
    fn two_small_groups_that_together_reach_the_minimum_suffice() {
        assert_eq!(suppress(&[3, 4, 30], 5), vec![true, true, false]);
    }

    #[test]
    fn everything_is_hidden_when_nothing_else_protects_the_small_group() {
        assert_eq!(suppress(&[2, 9], 5), vec![true, true]);
    }

    #[test]
    fn a_flat_tree_agrees_with_the_flat_rule() {
        for (sizes, min) in [
            (vec![3, 20, 8, 12], 5),
            (vec![1, 2, 30, 9], 5),
            (vec![3, 4, 30], 5),
        ] {
            let parent = vec![None; sizes.len()];
            assert_eq!(suppress_tree(&parent, &sizes, min).0, suppress(&sizes, min));
        }
    }

    /// Organisation ─ division A (a1: 3, a2: 10, a3: 12), division B (b1: 6, b2: 9).
    /// Over the units alone, hiding a1 and b1 protects a1 against the
    /// organisation's total, but A − a2 − a3 would still give a1 away: the
    /// tree rule hides a sibling inside A.
    #[test]
    fn a_hidden_unit_takes_a_sibling_when_its_parent_is_shown() {
        // 0 A, 1 a1, 2 a2, 3 a3, 4 B, 5 b1, 6 b2
        let parent = [None, Some(0), Some(0), Some(0), None, Some(4), Some(4)];
        let own = [0, 3, 10, 12, 0, 6, 9];
        let flat_leaves = suppress(&[3, 10, 12, 6, 9], 5);
        assert_eq!(
            flat_leaves,
            vec![true, false, false, true, false],
            "the flat rule"
        );
        let (hidden, org_hidden) = suppress_tree(&parent, &own, 5);
        assert!(!org_hidden);
        assert_eq!(hidden, vec![false, true, true, false, false, false, false]);
        assert_no_hidden_group_derivable(&parent, &own, &hidden, 5);
    }

    /// The division's own members (its management, say 2) are a part that is
    /// never shown apart: with every unit shown they would be A − units.
    #[test]
    fn members_attached_to_a_parent_count_as_a_hidden_part() {
        let parent = [None, Some(0), Some(0), None];
        let own = [2, 9, 7, 20];
        let (hidden, _) = suppress_tree(&parent, &own, 5);
        assert_eq!(hidden, vec![false, false, true, false]);
    }

    #[test]
    fn a_hidden_division_hides_its_units() {
        // B (4) is below the minimum; at the top, the smallest visible part
        // is division A (13), which is hidden with all of its units.
        let parent = [None, Some(0), Some(0), None, Some(3), None];
        let own = [0, 6, 7, 0, 4, 40];
        let (hidden, _) = suppress_tree(&parent, &own, 5);
        assert_eq!(hidden, vec![true, true, true, true, true, false]);
    }

    #[test]
    fn empty_units_neither_need_nor_give_protection() {
        let parent = [None, None, None];
        assert_eq!(
            suppress_tree(&parent, &[0, 9, 12], 5).0,
            vec![false, false, false]
        );
        assert_eq!(
            suppress_tree(&parent, &[3, 0, 12], 5).0,
            vec![true, false, true]
        );
    }

    #[test]
    fn everything_is_hidden_below_the_minimum_in_total() {
        let (hidden, org) = suppress_tree(&[None, Some(0)], &[1, 2], 5);
        assert!(org);
        assert_eq!(hidden, vec![true, true]);
    }

    /// For every shown group, the shown total minus its visible parts must be
    /// zero or at least the minimum.
    fn assert_no_hidden_group_derivable(
        parent: &[Option<usize>],
        own: &[u64],
        hidden: &[bool],
        min: u64,
    ) {
        let n = parent.len();
        let mut size = own.to_vec();
        // parents precede children in these generated trees
        for i in (0..n).rev() {
            if let Some(p) = parent[i] {
                size[p] += size[i];
            }
        }
        let mut groups: Vec<(u64, Vec<usize>)> = vec![(
            size.iter()
                .zip(parent)
                .filter(|(_, p)| p.is_none())
                .map(|(s, _)| s)
                .sum(),
            (0..n).filter(|&i| parent[i].is_none()).collect(),
        )];
        for g in 0..n {
            let kids: Vec<usize> = (0..n).filter(|&i| parent[i] == Some(g)).collect();
            if !hidden[g] && !kids.is_empty() {
                groups.push((size[g], kids));
            }
        }
        for (total, kids) in groups {
            let visible: u64 = kids.iter().filter(|&&k| !hidden[k]).map(|&k| size[k]).sum();
            let derived = total - visible;
            assert!(
                derived == 0 || derived >= min,
                "a hidden group of {derived} is derivable"
            );
        }
    }

    proptest! {
        #[test]
        fn no_hidden_group_is_ever_derivable(
            shape in proptest::collection::vec((0usize..1000, 0u64..25), 1..40),
            min in 3u64..8,
        ) {
            // Node i's parent is an earlier node or none.
            let parent: Vec<Option<usize>> = shape.iter().enumerate()
                .map(|(i, (p, _))| if i == 0 || p % 3 == 0 { None } else { Some(p % i) })
                .collect();
            let own: Vec<u64> = shape.iter().map(|(_, s)| *s).collect();
            let (hidden, org_hidden) = suppress_tree(&parent, &own, min);
            if !org_hidden {
                assert_no_hidden_group_derivable(&parent, &own, &hidden, min);
                for i in 0..parent.len() {
                    if let Some(p) = parent[i] {
                        prop_assert!(!hidden[p] || hidden[i], "a hidden node's child is shown");
                    }
                }
            }
        }
    }
}
