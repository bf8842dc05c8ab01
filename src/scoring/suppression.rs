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

#[cfg(test)]
mod tests {
    use super::suppress;

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
}
