//! The HTML report printed by headless Chromium, as someone filing it
//! would print it: A4 pages, the summary on the first, every page with
//! the report's title at its top and its number at its bottom, and the
//! timeline's header row repeated on each page it spans.

use super::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// Far longer than Chromium takes to print a page of a few kilobytes.
const PRINT_WITHIN: Duration = Duration::from_secs(90);

/// Prints `html` to `pdf` with headless Chromium, its profile in the
/// test's own directory.
fn print_to_pdf(test: &Test, html: &Path, pdf: &Path) {
    // On the real clock: a browser of many processes is the kind of program
    // libfaketime breaks (see `sealed_on_real_clock`), and the pages carry
    // no date of Chromium's.
    let mut chromium = crate::common::sealed_on_real_clock(test.root(), "chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            test.root().join("chromium").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium is installed (.ci/run installs it)");
    let give_up = Instant::now() + PRINT_WITHIN;
    let status = loop {
        if let Some(status) = chromium.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() >= give_up {
            let _ = chromium.kill();
            let _ = chromium.wait();
            panic!("chromium did not print within {PRINT_WITHIN:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium --print-to-pdf: {status}");
}

/// The text of page `page` of `pdf`, as pdftotext reads it.
fn page_text(test: &Test, pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    let output = test
        .tool("pdftotext")
        .args(["-f", &page, "-l", &page])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (.ci/run installs poppler-utils)");
    assert!(output.status.success(), "pdftotext: {output:?}");
    String::from_utf8(output.stdout).expect("pdftotext writes UTF-8")
}

#[test]
fn html_report_prints_on_a4_with_the_summary_on_page_one_and_numbered_pages() {
    let test = open_incident();
    // Notes enough for the timeline to run onto a second page.
    let mut test = at(test, "2026-11-28T09:03:00Z");
    for n in 1..=40 {
        test.again(["note", ID, &format!("check {n}: still down")])
            .success();
    }
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["resume", ID, "--answer", "check=done"]).success();
    let mut test = at(test, "2026-11-28T10:00:00Z");
    test.again([
        "archive",
        ID,
        "--cause",
        "The log partition filled up.",
        "--resolution",
        "Rotated logs.",
    ])
    .success();
    let html = test.work().join("report.html");
    let page = test.again(["report", ID, "--format", "html"]);
    std::fs::write(&html, &page.success().stdout).unwrap();
    let pdf = test.work().join("report.pdf");
    print_to_pdf(&test, &html, &pdf);

    let bytes = std::fs::read(&pdf).expect("chromium wrote the PDF");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = regex::Regex::new(r"/Type\s*/Page\b")
        .unwrap()
        .find_iter(&text)
        .filter(|found| !text[found.end()..].starts_with('s'))
        .count();
    assert!((2..=4).contains(&pages), "{pages} pages for 55 events");
    let a4 = regex::Regex::new(r"/MediaBox\s*\[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]").unwrap();
    assert!(a4.is_match(&text), "pages are not A4");

    let first = page_text(&test, &pdf, 1);
    for needle in [
        "Incident report INC-20261128-0001",
        "Summary",
        "The log partition filled up.",
        "Compliance",
        "met: archived 23h05m before the deadline",
        "verified, signed by ops",
        &format!("Page 1 of {pages}"),
    ] {
        assert!(first.contains(needle), "page 1 lacks {needle:?}:\n{first}");
    }
    let second = page_text(&test, &pdf, 2);
    for needle in [
        "Incident report INC-20261128-0001",
        "Time",
        "Event",
        &format!("Page 2 of {pages}"),
    ] {
        assert!(second.contains(needle), "page 2 lacks {needle:?}:\n{second}");
    }
    // The timeline goes on there, under its header row repeated.
    let header = second.find("Event").unwrap();
    let row = second.find("still down").expect("the timeline goes on");
    assert!(header < row, "no header row above the timeline's rows:\n{second}");
}
