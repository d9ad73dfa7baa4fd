//! Flow: every step can be reached, and an end can be reached from it.

use super::super::reader::Ctx;
use crate::model::Runbook;
use std::collections::VecDeque;

/// Every step must be reachable from the start (or from a timer's target),
/// and from every step some `end` must be reachable.
pub(super) fn reachability(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let edges: Vec<Vec<usize>> = runbook
        .steps
        .iter()
        .map(|step| {
            step.successors()
                .into_iter()
                .filter_map(|(_, target)| runbook.step_index(&target.value))
                .collect()
        })
        .collect();

    let roots = std::iter::once(&runbook.start)
        .chain(runbook.timers.iter().filter_map(|timer| timer.goto.as_ref()))
        .filter_map(|target| runbook.step_index(&target.value));
    let reached = walk(roots, &edges);
    for (at, step) in runbook.steps.iter().enumerate() {
        if !reached[at] {
            ctx.error(
                step.id.span,
                format!(
                    "step `{}` cannot be reached from the start step `{}`",
                    step.id.value, runbook.start.value
                ),
                Some("point a `next`, branch or timer `goto` at it, or remove it".into()),
            );
        }
    }

    let mut reverse = vec![Vec::new(); edges.len()];
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    let ends = runbook
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| step.is_end())
        .map(|(at, _)| at);
    let finishing = walk(ends, &reverse);
    if !runbook.steps.iter().any(|step| step.is_end()) && !runbook.steps.is_empty() {
        ctx.error(
            runbook.steps[0].span,
            "the runbook has no `end` step",
            Some("add a step with kind = \"end\" and outcome = \"resolved\"".into()),
        );
        return;
    }
    // One message per trap: the first step (in walk order) from which no
    // end can be reached, naming the steps it goes round.
    let mut covered = vec![false; edges.len()];
    for at in runbook.walk_order() {
        if finishing[at] || !reached[at] || covered[at] {
            continue;
        }
        let trapped = walk(std::iter::once(at), &edges);
        let names: Vec<&str> = (0..edges.len())
            .filter(|&other| trapped[other])
            .map(|other| {
                covered[other] = true;
                runbook.steps[other].id.as_str()
            })
            .collect();
        let step = &runbook.steps[at];
        let hint = if names.len() == 1 {
            format!(
                "step `{}` only leads back to itself; add a branch to an end step",
                names[0]
            )
        } else {
            format!(
                "`{}` go round in a loop; add a branch out to an end step",
                names.join("`, `")
            )
        };
        ctx.error(
            step.id.span,
            format!("no `end` step can be reached from step `{}`", step.id.value),
            Some(hint),
        );
    }
}

fn walk(roots: impl Iterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut queue: VecDeque<usize> = roots.collect();
    while let Some(at) = queue.pop_front() {
        if std::mem::replace(&mut seen[at], true) {
            continue;
        }
        queue.extend(edges[at].iter().copied().filter(|&next| !seen[next]));
    }
    seen
}
