//! Work spread over the machine's cores, results in their order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of each item, on as many threads as the machine has cores, in the
/// items' order. Each thread takes the next item not yet taken, so a
/// thread slowed down (by other work on its core, or by its items) takes
/// fewer and none waits long for another. Few items, or one core (as under
/// `taskset -c 0`), run here, with no thread started. A panic in `f` is
/// passed on, never turned into a missing result.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_beside(items, f, || ()).0
}

/// [`map`], while `beside` runs here, on the calling thread, meanwhile
/// (before the items, with one core): what is left to do of the items
/// before these, such as writing out what they found, is done as these
/// are worked on, not between them.
pub fn map_beside<T: Sync, R: Send, B>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    beside: impl FnOnce() -> B,
) -> (Vec<R>, B) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if items.len() < 4 || threads == 1 {
        let beside = beside();
        return (items.iter().map(&f).collect(), beside);
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let (done, beside): (Vec<Vec<(usize, R)>>, B) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            return done;
                        };
                        done.push((at, f(item)));
                    }
                })
            })
            .collect();
        let beside = beside();
        let done = handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        (done, beside)
    });
    // Each thread's results are in the items' order: item N is at the
    // front of exactly one of them when the ones before it are taken.
    let mut done: Vec<_> = done.into_iter().map(|done| done.into_iter().peekable()).collect();
    let results = (0..items.len())
        .map(|wanted| {
            done.iter_mut()
                .find_map(|results| results.next_if(|(at, _)| *at == wanted))
                .map(|(_, result)| result)
                .unwrap_or_else(|| unreachable!("every item is taken by exactly one thread"))
        })
        .collect();
    (results, beside)
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |n| n * 2),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&items[..2], |n| n + 1), [1, 2]);
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
    }

    #[test]
    fn beside_runs_once_with_the_items_and_says_what_it_found() {
        let items: Vec<u32> = (0..1000).collect();
        let mut ran = 0;
        let (doubled, said) = super::map_beside(
            &items,
            |n| n * 2,
            || {
                ran += 1;
                "written"
            },
        );
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!((ran, said), (1, "written"));
        let (none, said) = super::map_beside(&[] as &[u32], |n| *n, || 7);
        assert_eq!((none.len(), said), (0, 7));
    }
}
