//! Layered topological order: which modules can be loaded together.
//!
//! Kahn's algorithm, one layer per round: a layer is every node whose
//! predecessors are all in earlier layers, so the layer index is the length of the
//! longest chain of predecessors. Loading layer by layer, each layer in parallel,
//! is then never slower than any sequential order on the same dependencies.
//!
//! Not supported: weights (module load times are unknown in advance).

use std::collections::{BTreeMap, BTreeSet};

/// Orders `nodes` so that every node comes in a later layer than each of its
/// `after[node]` predecessors; predecessors outside `nodes` are ignored. Layers
/// are sorted. On a cycle, returns it as `[a, b, ..., a]`, where each node must
/// come after the next.
pub fn layers<'a>(
    nodes: &BTreeSet<&'a str>,
    after: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Result<Vec<Vec<&'a str>>, Vec<String>> {
    let predecessors = |node: &str| {
        after
            .get(node)
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| nodes.contains(p))
    };
    let mut waiting_on: BTreeMap<&'a str, usize> = nodes
        .iter()
        .map(|&n| (n, predecessors(n).count()))
        .collect();
    let mut unlocks: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
    for &node in nodes {
        for first in predecessors(node) {
            unlocks.entry(first).or_default().push(node);
        }
    }
    let mut layers = Vec::new();
    loop {
        let ready: Vec<&'a str> = waiting_on
            .iter()
            .filter(|(_, &count)| count == 0)
            .map(|(&n, _)| n)
            .collect();
        if ready.is_empty() {
            break;
        }
        for node in &ready {
            waiting_on.remove(node);
            for next in unlocks.get(node).into_iter().flatten() {
                if let Some(count) = waiting_on.get_mut(next) {
                    *count = count.saturating_sub(1);
                }
            }
        }
        layers.push(ready);
    }
    if waiting_on.is_empty() {
        Ok(layers)
    } else {
        let stuck: BTreeSet<&str> = waiting_on.keys().copied().collect();
        Err(find_cycle(&stuck, after))
    }
}

/// Every node Kahn's algorithm leaves over waits on another left-over one, so
/// walking those edges from any of them must revisit a node: that loop is the
/// cycle to report.
fn find_cycle(stuck: &BTreeSet<&str>, after: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut path: Vec<&str> = Vec::new();
    let mut current = stuck.first().copied();
    while let Some(node) = current {
        if let Some(start) = path.iter().position(|&p| p == node) {
            let mut cycle: Vec<String> = path
                .get(start..)
                .unwrap_or_default()
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            cycle.push(node.to_owned());
            return cycle;
        }
        path.push(node);
        current = after
            .get(node)
            .and_then(|firsts| firsts.iter().find(|f| stuck.contains(*f)).copied());
    }
    // Unreachable by the argument above; report the walk rather than nothing.
    path.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (label, nodes, edges as (node, must come after), expected)
    type Case = (
        &'static str,
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
        Result<&'static [&'static [&'static str]], &'static [&'static str]>,
    );

    #[test]
    fn layers_table() {
        let cases: &[Case] = &[
            ("empty", &[], &[], Ok(&[])),
            ("independent", &["b", "a"], &[], Ok(&[&["a", "b"]])),
            (
                "chain",
                &["a", "b", "c"],
                &[("c", "b"), ("b", "a")],
                Ok(&[&["a"], &["b"], &["c"]]),
            ),
            (
                "diamond takes the longest path",
                &["a", "b", "c", "d"],
                &[("d", "b"), ("d", "c"), ("c", "a"), ("b", "a"), ("d", "a")],
                Ok(&[&["a"], &["b", "c"], &["d"]]),
            ),
            (
                "predecessor outside the node set ignored",
                &["a"],
                &[("a", "zz")],
                Ok(&[&["a"]]),
            ),
            ("self loop", &["a"], &[("a", "a")], Err(&["a", "a"])),
            (
                "cycle reported without its tail",
                &["a", "b", "c", "t"],
                &[("t", "a"), ("a", "b"), ("b", "c"), ("c", "a")],
                Err(&["a", "b", "c", "a"]),
            ),
        ];
        for (label, nodes, edges, want) in cases {
            let nodes: BTreeSet<&str> = nodes.iter().copied().collect();
            let mut after: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (node, first) in *edges {
                after.entry(node).or_default().insert(first);
            }
            let want = want
                .map(|l| l.iter().map(|layer| layer.to_vec()).collect::<Vec<_>>())
                .map_err(|c| c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_eq!(layers(&nodes, &after), want, "failed testcase: {label}");
        }
    }
}
