//! The scripted operator's own tests.

use super::*;
use crate::load::{Origin as Place, Source, load};

#[test]
fn a_timer_offer_names_the_timer_its_step_and_the_answer_to_give() {
    let toml = r#"schema = 1
title = "Offer"

[contacts.vendor]
role = "Vendor"
phone = "1"

[timers.locate]
after = "1h"
notify = ["vendor"]
goto = "call"

[[steps]]
id = "look"
kind = "instruction"
title = "Look"

[[steps]]
id = "call"
kind = "end"
title = "Call"
"#;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let runbook = load(Source::new("t.toml", Place::Builtin, toml), today)
        .runbook
        .expect("a valid plan");
    let timer = &runbook.timers[0];
    let call = runbook.step("call").unwrap();
    let (what, how) = expects(Question::TimerOffer(timer, call), &Lang::english());
    assert_eq!(
        what,
        "timer `locate` fired: yes to go to step `call` now, no to stay"
    );
    assert_eq!(how, "--answer locate=ANSWER");
}
