//! The bundled plans: every one loads clean in both languages, and the
//! headline plan follows its source clause by clause.

use runbook::load::{Loaded, builtin_sources, load};
use runbook::model::{Branch, Outcome, Runbook, Step, StepKind, Text, TimerFrom};
use std::collections::HashSet;

use crate::common::today;

fn loaded() -> Vec<Loaded> {
    builtin_sources().map(|source| load(source, today())).collect()
}

fn bundled(id: &str) -> Runbook {
    loaded()
        .into_iter()
        .filter_map(|loaded| loaded.runbook)
        .find(|runbook| runbook.id.value == id)
        .unwrap_or_else(|| panic!("no valid bundled runbook {id}"))
}

fn step<'r>(runbook: &'r Runbook, id: &str) -> &'r Step {
    runbook
        .step(id)
        .unwrap_or_else(|| panic!("{} has no step {id}", runbook.id.value))
}

/// The steps whose branches lead to `id`.
fn predecessors<'r>(runbook: &'r Runbook, id: &str) -> Vec<(&'r str, String)> {
    runbook
        .steps
        .iter()
        .flat_map(|step| {
            step.successors()
                .into_iter()
                .filter(|(_, target)| target.value == id)
                .map(move |(branch, _)| (step.id.as_str(), branch.key().to_owned()))
        })
        .collect()
}

/// Every step reachable from `from`, following all branches.
fn reachable(runbook: &Runbook, from: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            for (_, target) in step(runbook, &id).successors() {
                stack.push(target.value.clone());
            }
        }
    }
    seen
}

fn command(step: &Step) -> &runbook::model::Command {
    match &step.kind {
        StepKind::Command(command) => command,
        other => panic!("{} is a {} step, not a command", step.id.value, other.name()),
    }
}

#[test]
fn every_bundled_runbook_is_valid() {
    let all = loaded();
    assert_eq!(all.len(), 6);
    for loaded in &all {
        let errors: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.render())
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            loaded.source.name,
            errors.join("\n")
        );
        assert!(loaded.runbook.is_some());
    }
}

fn texts(runbook: &Runbook) -> Vec<(String, &Text)> {
    let mut texts: Vec<(String, &Text)> = vec![("title".into(), &runbook.title)];
    texts.extend(runbook.summary.iter().map(|text| ("summary".into(), text)));
    for var in &runbook.vars {
        texts.push((format!("vars.{}", var.name.value), &var.prompt));
    }
    for contact in &runbook.contacts {
        texts.push((format!("contacts.{}", contact.id.value), &contact.role));
    }
    for timer in &runbook.timers {
        texts.extend(
            timer
                .message
                .iter()
                .map(|text| (format!("timers.{}", timer.id.value), text)),
        );
    }
    for step in &runbook.steps {
        let at = format!("step {}", step.id.value);
        texts.push((at.clone(), &step.title));
        texts.extend(step.body.iter().map(|text| (at.clone(), text)));
        match &step.kind {
            StepKind::Choice { options } => {
                texts.extend(options.iter().map(|option| (at.clone(), &option.label)))
            }
            StepKind::Checklist { items, .. } => texts.extend(items.iter().map(|item| (at.clone(), item))),
            StepKind::Notify { message, .. } => texts.extend(message.iter().map(|text| (at.clone(), text))),
            _ => {}
        }
    }
    texts
}

#[test]
fn every_bundled_text_is_in_english_and_chinese() {
    for runbook in loaded().into_iter().filter_map(|loaded| loaded.runbook) {
        for (at, text) in texts(&runbook) {
            let Text::Localized(entries) = text else {
                panic!("{}: {at} is not localized: {text:?}", runbook.id.value);
            };
            let langs: Vec<&str> = entries.iter().map(|(lang, _)| lang.as_str()).collect();
            assert!(
                langs.contains(&"en") && langs.contains(&"zh"),
                "{}: {at} has {langs:?}",
                runbook.id.value
            );
            for (lang, value) in entries {
                assert!(
                    !value.trim().is_empty(),
                    "{}: {at} has empty {lang}",
                    runbook.id.value
                );
            }
        }
    }
}

#[test]
fn bundled_commands_are_safe_and_bounded() {
    let changes = [
        "restart",
        "reboot",
        "rm ",
        "kill",
        "mkfs",
        "dd ",
        "systemctl stop",
        "iptables -A",
        "restore",
    ];
    for source in builtin_sources() {
        let table: toml::Table = toml::from_str(&source.text).unwrap();
        let steps = table["steps"].as_array().unwrap();
        for step in steps
            .iter()
            .filter(|step| step["kind"].as_str() == Some("command"))
        {
            let id = step["id"].as_str().unwrap();
            assert!(
                step.get("timeout").is_some(),
                "{}: command {id} has no timeout",
                source.name
            );
            let run = step["run"].as_str().unwrap();
            assert!(
                !run.contains("{{"),
                "{}: {id} splices text into shell",
                source.name
            );
            let confirmed = step.get("confirm").and_then(|c| c.as_bool()).unwrap_or(false);
            if let Some(word) = changes.iter().find(|word| run.contains(*word)) {
                assert!(
                    confirmed,
                    "{}: {id} runs `{word}` without confirm = true",
                    source.name
                );
            }
        }
    }
}

#[test]
fn server_software_failure_intake_asks_host_and_service() {
    let runbook = bundled("server-software-failure");
    assert_eq!(runbook.start.value, "intake");
    let service = runbook
        .vars
        .iter()
        .find(|var| var.name.value == "service")
        .expect("a service variable");
    assert_eq!(
        service.default, None,
        "no silent default: a restart of the wrong unit helps nobody"
    );
    let pattern = regex::Regex::new(
        &service
            .pattern
            .as_ref()
            .expect("service input is checked, never trusted")
            .value,
    )
    .unwrap();
    for unit in ["nginx", "nginx.service", "php8.2-fpm", "getty@tty1"] {
        assert!(pattern.is_match(unit), "{unit}");
    }
    for value in ["", "-h", "--force", "nginx apache", "$(id)"] {
        assert!(
            !pattern.is_match(value),
            "the service pattern takes {value:?}, an option or worse"
        );
    }
    assert!(runbook.vars.iter().any(|var| var.name.value == "host"));
    assert_eq!(runbook.archive_within.text, "1d");
}

#[test]
fn without_maintenance_agreement_restart_then_hand_over() {
    let runbook = bundled("server-software-failure");
    let StepKind::Confirm { yes, no } = &step(&runbook, "maintenance-agreement").kind else {
        panic!("maintenance-agreement is a yes/no question");
    };
    assert_eq!(no.as_ref().unwrap().value, "restart");
    assert!(reachable(&runbook, &yes.as_ref().unwrap().value).contains("inspect"));
    assert!(!reachable(&runbook, &yes.as_ref().unwrap().value).contains("restart"));

    let restart = command(step(&runbook, "restart"));
    assert!(restart.confirm, "restart asks first");
    assert_eq!(restart.drill, runbook::model::DrillMode::Skip);
    assert!(restart.run.value.contains("\"$SERVICE\""));

    assert!(reachable(&runbook, "restart").contains("verify-restart"));
    let StepKind::Notify { to, .. } = &step(&runbook, "notify-handover").kind else {
        panic!("notify-handover notifies");
    };
    let to: HashSet<&str> = to.iter().map(|c| c.as_str()).collect();
    assert_eq!(to, HashSet::from(["account-manager", "customer"]));
    let ends: Vec<Outcome> = reachable(&runbook, "notify-handover")
        .iter()
        .filter_map(|id| match step(&runbook, id).kind {
            StepKind::End { outcome } => Some(outcome),
            _ => None,
        })
        .collect();
    assert!(ends.contains(&Outcome::HandedOver), "{ends:?}");
}

#[test]
fn with_agreement_inspect_preserve_state_and_recover() {
    let runbook = bundled("server-software-failure");
    let after_inspect = reachable(&runbook, "inspect");
    for id in [
        "preserve-state",
        "recovery-disk",
        "restore-image",
        "os-diagnostics",
        "os-checklist",
    ] {
        assert!(after_inspect.contains(id), "{id} follows inspect");
    }
    let preserve = command(step(&runbook, "preserve-state"));
    assert!(
        preserve.capture.is_some(),
        "the preserved state is kept as evidence"
    );
    assert!(!preserve.confirm, "preserving state only reads");
    assert!(matches!(
        step(&runbook, "recovery-disk").kind,
        StepKind::Choice { .. } | StepKind::Confirm { .. }
    ));
    // The image only when needed, and only after the original data was
    // kept, or a noted decision to go on without it.
    let into_image: HashSet<&str> = predecessors(&runbook, "restore-image")
        .into_iter()
        .map(|(from, _)| from)
        .collect();
    assert_eq!(into_image, HashSet::from(["data-kept-image"]));
    assert!(step(&runbook, "data-kept-image").note_required);
    // 取出系统镜像备份磁盘，保持原始数据，进行快速恢复: the image is named first.
    assert_eq!(
        predecessors(&runbook, "data-kept-image"),
        [("choose-image", "next".to_owned())]
    );
    assert!(
        predecessors(&runbook, "find-image")
            .iter()
            .any(|(from, _)| *from == "recovery-disk")
    );
}

/// The restores of the bundled plans: (plan, restore step, the listing of
/// the backups, the input naming the one used, its variable).
const RESTORES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "server-software-failure",
        "restore-image",
        "find-image",
        "choose-image",
        "image_used",
    ),
    (
        "server-software-failure",
        "restore-backup",
        "find-backup",
        "choose-backup",
        "backup_used",
    ),
    (
        "software-system-failure",
        "restore-backup",
        "find-backup",
        "choose-backup",
        "backup_used",
    ),
    (
        "hardware-failure",
        "restore-data",
        "find-backup",
        "choose-backup",
        "backup_used",
    ),
    (
        "network-attack",
        "restore-clean",
        "find-backup",
        "choose-backup",
        "backup_used",
    ),
    (
        "data-loss",
        "restore",
        "find-backup",
        "choose-backup",
        "backup_file",
    ),
];

/// Every step reachable from the start without passing through `avoid`.
fn reachable_avoiding(runbook: &Runbook, avoid: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack = vec![runbook.start.value.clone()];
    while let Some(id) = stack.pop() {
        if id != avoid && seen.insert(id.clone()) {
            for (_, target) in step(runbook, &id).successors() {
                stack.push(target.value.clone());
            }
        }
    }
    seen
}

#[test]
fn every_restore_names_the_backup_it_used_and_is_checked_after() {
    for &(plan, restore, list, choose, var) in RESTORES {
        let runbook = bundled(plan);
        let listing = command(step(&runbook, list));
        assert!(!listing.confirm, "{plan}: {list} only reads");
        assert!(
            listing.capture.is_some(),
            "{plan}: the list is kept in the record"
        );
        assert!(
            listing.run.value.contains("\"$BACKUP_DIR\"") || listing.run.value.contains("dir=$BACKUP_DIR")
        );
        assert_eq!(listing.next.as_ref().unwrap().value, choose, "{plan}: {list}");
        let StepKind::Input { var: named, .. } = &step(&runbook, choose).kind else {
            panic!("{plan}: {choose} is an input");
        };
        assert_eq!(named.value, var, "{plan}: {choose} sets {var}");
        assert!(
            !reachable_avoiding(&runbook, choose).contains(restore),
            "{plan}: {restore} is reached without naming the backup at {choose}"
        );
        let body = step(&runbook, restore)
            .body
            .as_ref()
            .expect("a restore says what to do");
        for lang in ["en", "zh"] {
            let text = body.get(&runbook::model::Lang::parse(lang).unwrap());
            assert!(
                text.contains(&format!("{{{{{var}}}}}")),
                "{plan}: {restore} ({lang}) names the backup"
            );
            assert!(
                !text.contains("procedure") && !text.contains("恢复流程"),
                "{plan}: {restore}: {text}"
            );
        }
        let StepKind::Instruction { next: Some(next), .. } = &step(&runbook, restore).kind else {
            panic!("{plan}: {restore} is an instruction that goes on");
        };
        let check = command(step(&runbook, &next.value));
        assert!(!check.confirm, "{plan}: the check after {restore} only reads");
        assert!(
            check.capture.is_some(),
            "{plan}: the check after {restore} is kept"
        );
    }
}

#[test]
fn os_checklist_covers_the_five_checks_and_branches_on_any() {
    let runbook = bundled("server-software-failure");
    let StepKind::Checklist { items, next, on_any } = &step(&runbook, "os-checklist").kind else {
        panic!("os-checklist is a checklist");
    };
    assert_eq!(
        items.len(),
        5,
        "processes, illegal processes, OS files, virus/trojan, hacker attack"
    );
    let zh: String = items
        .iter()
        .map(|item| item.get(&runbook::model::Lang::parse("zh").unwrap()))
        .collect();
    for word in ["进程", "非法", "文件", "病毒", "黑客"] {
        assert!(zh.contains(word), "the OS checklist covers {word}");
    }
    assert_eq!(on_any.as_ref().unwrap().value, "os-fault");
    assert!(reachable(&runbook, &next.as_ref().unwrap().value).contains("app-check"));
    let diagnostics = reachable(&runbook, "os-diagnostics");
    let commands: Vec<&Step> = diagnostics
        .iter()
        .map(|id| step(&runbook, id))
        .filter(|step| {
            matches!(step.kind, StepKind::Command(_)) && step.phase != Some(runbook::model::Phase::Recover)
        })
        .collect();
    assert!(!commands.is_empty());
}

#[test]
fn backup_restore_is_only_reachable_through_customer_consent() {
    let runbook = bundled("server-software-failure");
    let into_restore: HashSet<&str> = predecessors(&runbook, "restore-backup")
        .into_iter()
        .map(|(from, _)| from)
        .collect();
    assert_eq!(into_restore, HashSet::from(["data-kept-backup"]));
    assert!(step(&runbook, "data-kept-backup").note_required);
    assert_eq!(
        predecessors(&runbook, "data-kept-backup"),
        [("backup-consent", "yes".to_owned())]
    );
    // The customer agrees to a named backup: it is listed and chosen first.
    assert_eq!(
        predecessors(&runbook, "backup-consent"),
        [("choose-backup", "next".to_owned())]
    );
    let StepKind::Confirm { no, .. } = &step(&runbook, "backup-consent").kind else {
        panic!("backup-consent is a yes/no question");
    };
    assert!(
        step(&runbook, "backup-consent").note_required,
        "consent needs a note"
    );
    // Refused consent under an agreement: other measures, not a handover.
    assert_eq!(no.as_ref().unwrap().value, "escalate-vendor");
    for timer in &runbook.timers {
        assert_ne!(
            timer.goto.as_ref().map(|goto| goto.as_str()),
            Some("restore-backup")
        );
    }
    assert!(reachable(&runbook, "app-check").contains("backup-consent"));
}

#[test]
fn one_hour_timer_escalates_to_three_contacts() {
    let runbook = bundled("server-software-failure");
    let timer = runbook
        .timers
        .iter()
        .find(|timer| timer.id.value == "locate-cause")
        .expect("locate-cause");
    assert_eq!(timer.after.duration, std::time::Duration::from_secs(3600));
    // Counted from the inspection: without a maintenance agreement nobody
    // inspects, and the plan hands the problem to the customer instead.
    assert!(matches!(&timer.from, TimerFrom::Step(step) if step.value == "inspect"));
    assert!(timer.until.iter().any(|until| until.value == "cause-located"));
    let notify: HashSet<&str> = timer.notify.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        notify,
        HashSet::from(["account-manager", "customer", "vendor-support"])
    );
    assert_eq!(timer.goto.as_ref().unwrap().value, "escalate-vendor");
    assert!(runbook.steps.iter().any(|step| {
        step.milestone
            .as_ref()
            .is_some_and(|m| m.value == "cause-located")
    }));
    assert!(reachable(&runbook, "escalate-vendor").contains("reinstall"));
}

#[test]
fn severe_events_go_to_leadership() {
    let runbook = bundled("server-software-failure");
    let sev1 = runbook.severity("sev1").unwrap();
    assert!(sev1.notify.iter().any(|c| c.value == "leadership"));
    assert_eq!(
        sev1.label.get(&runbook::model::Lang::parse("zh").unwrap()),
        "一级"
    );
}

#[test]
fn contact_roster_is_there_for_the_site_to_fill_in() {
    let runbook = bundled("server-software-failure");
    for id in [
        "leadership",
        "tech-lead",
        "web-support",
        "customer-domain",
        "machine-room",
        "telecom-pr",
        "account-manager",
        "customer",
        "vendor-support",
    ] {
        let contact = runbook.contact(id).unwrap_or_else(|| panic!("contact {id}"));
        assert!(
            contact.name.is_empty() && contact.phone.is_empty(),
            "{id} is left for the site"
        );
    }
}

#[test]
fn branch_keys_name_what_the_runbook_writes() {
    assert_eq!(Branch::Failed.key(), "on_failure");
    assert_eq!(Branch::AnyTicked.key(), "on_any");
}

#[test]
fn plans_with_a_host_run_their_commands_there_and_its_pattern_takes_what_ssh_takes() {
    use runbook::model::destination;
    let accepted = [
        "local",
        "web1",
        "web1.example.com",
        "root@10.0.3.17",
        "ops@web-1",
        "fe80::1",
        "ssh://web1",
        "ssh://root@web1:2222",
        "ssh://[::1]:2222",
    ];
    let refused = [
        "",
        "-oProxyCommand=touch canary",
        "web1 -v",
        "web1;reboot",
        "$(id)",
        "web%h",
        "[::1]",
        "ssh://-web1",
    ];
    let mut plans = 0;
    for loaded in loaded() {
        let runbook = loaded.runbook.unwrap();
        let Some(host) = runbook.vars.iter().find(|var| var.name.value == "host") else {
            continue;
        };
        plans += 1;
        let id = &runbook.id.value;
        let on: Vec<&str> = runbook.on.iter().map(|on| on.value.as_str()).collect();
        assert_eq!(on, ["{{host}}"], "{id}: commands run on the affected host");
        assert_eq!(
            host.default.as_deref(),
            Some("local"),
            "{id}: this machine unless told"
        );
        let pattern = regex::Regex::new(&host.pattern.as_ref().unwrap().value).unwrap();
        for value in accepted {
            assert!(
                pattern.is_match(value),
                "{id}: the host pattern refuses {value:?}"
            );
            assert!(value == "local" || destination::check(value).is_ok(), "{value:?}");
        }
        for value in refused {
            assert!(!pattern.is_match(value), "{id}: the host pattern takes {value:?}");
        }
    }
    assert_eq!(plans, 5, "every plan about a host but backup-readiness");
}

#[test]
fn every_declared_contact_of_the_headline_plan_is_told_somewhere() {
    let runbook = bundled("server-software-failure");
    let mut told: HashSet<&str> = HashSet::new();
    for level in &runbook.severities {
        told.extend(level.notify.iter().map(|c| c.as_str()));
    }
    for timer in &runbook.timers {
        told.extend(timer.notify.iter().map(|c| c.as_str()));
    }
    for step in &runbook.steps {
        if let StepKind::Notify { to, .. } = &step.kind {
            told.extend(to.iter().map(|c| c.as_str()));
        }
    }
    for contact in &runbook.contacts {
        assert!(
            told.contains(contact.id.as_str()),
            "{} is declared and never told",
            contact.id.value
        );
    }
    let lead = runbook.contact("tech-lead").unwrap();
    assert_eq!(
        lead.role.get(&runbook::model::Lang::parse("zh").unwrap()),
        "技术总负责人"
    );
}

#[test]
fn process_lists_are_trimmed_to_a_readable_width() {
    // A process's command line can run to kilobytes (a JVM's classpath):
    // it would drown the output shown and kept as evidence.
    let runbook = bundled("server-software-failure");
    for id in ["preserve-state", "os-diagnostics"] {
        let run = &command(step(&runbook, id)).run.value;
        let listing = run
            .lines()
            .find(|line| line.contains("\"$procs\""))
            .unwrap_or_else(|| panic!("{id} lists processes"));
        assert!(listing.contains("cut -c1-200"), "{id}: {listing}");
    }
}

fn zh(text: &Text) -> &str {
    text.get(&runbook::model::Lang::parse("zh").unwrap())
}

fn checklist_zh(runbook: &Runbook, id: &str) -> Vec<String> {
    let StepKind::Checklist { items, .. } = &step(runbook, id).kind else {
        panic!("{id} is a checklist");
    };
    items.iter().map(|item| zh(item).to_owned()).collect()
}

#[test]
fn software_system_failure_reports_to_the_office_first_and_escalates_an_unknown_cause() {
    let runbook = bundled("software-system-failure");
    // 立即向应急预案办公室报告，并确认事件性质: report, then confirm.
    assert_eq!(runbook.start.value, "report");
    let StepKind::Notify { to, .. } = &step(&runbook, "report").kind else {
        panic!("report notifies");
    };
    let to: Vec<&str> = to.iter().map(|c| c.as_str()).collect();
    assert_eq!(to, ["emergency-office"]);
    assert_eq!(
        zh(&runbook.contact("emergency-office").unwrap().role),
        "应急预案办公室"
    );
    assert_eq!(predecessors(&runbook, "intake"), [("report", "next".to_owned())]);

    let StepKind::Choice { options } = &step(&runbook, "classify").kind else {
        panic!("classify is a choice");
    };
    assert!(
        options
            .iter()
            .any(|option| option.goto.value == "escalate" && zh(&option.label).contains("原因不明"))
    );
    let StepKind::Instruction { on_failure, .. } = &step(&runbook, "hardware").kind else {
        panic!("hardware is an instruction");
    };
    assert_eq!(on_failure.as_ref().map(|f| f.value.as_str()), Some("escalate"));

    let improve = checklist_zh(&runbook, "improve").join("\n");
    for word in ["系统进行优化", "加强培训", "应急预案"] {
        assert!(improve.contains(word), "the review covers {word}");
    }
    assert!(reachable(&runbook, "operator-error").contains("improve"));
    // Item 3 of the audit says in Chinese what it says in English: logs
    // were checked, not that nothing was found.
    assert!(!checklist_zh(&runbook, "security-audit")[2].contains("未发现"));
}

#[test]
fn data_loss_reviews_training_and_readiness_covers_training_revisions_and_a_read_back() {
    let data_loss = bundled("data-loss");
    assert!(
        checklist_zh(&data_loss, "review")
            .iter()
            .any(|item| item.contains("培训"))
    );

    let readiness = bundled("backup-readiness");
    assert!(
        checklist_zh(&readiness, "drills")
            .iter()
            .any(|item| item.contains("培训"))
    );
    let StepKind::Confirm { yes, no } = &step(&readiness, "plan-revised").kind else {
        panic!("plan-revised is a yes/no question");
    };
    assert_eq!(
        predecessors(&readiness, "plan-revised"),
        [("plan-review", "next".to_owned())]
    );
    assert_eq!(yes.as_ref().unwrap().value, "notify-revision");
    assert_eq!(no.as_ref().unwrap().value, "gaps-found");
    let StepKind::Notify { to, .. } = &step(&readiness, "notify-revision").kind else {
        panic!("notify-revision notifies");
    };
    let to: HashSet<&str> = to.iter().map(|c| c.as_str()).collect();
    let everyone: HashSet<&str> = readiness.contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(to, everyone, "everyone concerned is told of a revision");
    let integrity = command(step(&readiness, "data-integrity"));
    assert!(
        integrity.confirm,
        "it unpacks into a temporary directory: asks first"
    );
    assert!(reachable(&readiness, "data-backup").contains("data-integrity"));
}

#[test]
fn reporting_to_the_police_is_marked_as_a_practical_addition() {
    let source = builtin_sources()
        .find(|source| source.name.ends_with("/network-attack.toml"))
        .unwrap();
    let lines: Vec<&str> = source.text.lines().collect();
    for marker in [
        "[contacts.authorities]",
        "id = \"severe\"",
        "id = \"report-authorities\"",
    ] {
        let at = lines
            .iter()
            .position(|line| *line == marker)
            .unwrap_or_else(|| panic!("{marker}"));
        let before = lines[at.saturating_sub(3)..at].join("\n");
        assert!(
            before.contains("Practical addition"),
            "{marker} is not marked:\n{before}"
        );
    }
    let runbook = bundled("network-attack");
    let severe = step(&runbook, "severe").body.as_ref().unwrap();
    assert!(zh(severe).contains("并非源预案的规定"));
}
