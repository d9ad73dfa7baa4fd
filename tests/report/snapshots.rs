//! Whole reports of one archived incident, pinned: text in English and
//! Chinese, Markdown, and the HTML page's body.

use super::*;

#[test]
fn text_report_of_an_archived_incident() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID]);
    outcome.success().stdout_fits(80);
    insta::assert_snapshot!(stable(&outcome.stdout), @"
    Incident report INC-20261128-0001
    =================================

    Incident
    --------
    Incident       INC-20261128-0001
    Runbook        Fixed (fixed), version 2026.1
    Outcome        resolved (at done)
    Severity       sev2
    Operators      ops@HOST
    Started        2026-11-28 09:00:00 UTC
    Ended          2026-11-28 09:05:00 UTC
    Handling took  5m00s
    Archived       2026-11-28 10:00:00 UTC (55m00s after the end)

    Summary
    -------
    What happened
      nginx on web1 stopped answering.

    Cause
      The log partition filled up.

    Handling and result
      Rotated logs & restarted nginx.

    Follow-ups
      - Alert at 80% disk use

    Archive due  2026-11-29 09:05:00 UTC (1d after the end)
    Compliance   met: archived 23h05m before the deadline
    Signature    verified, signed by ops

    Timeline
    --------
    Time      By   Event
    --------------------------------------------------------------
    09:00:00  ops  Started: Fixed (fixed), severity sev2
    09:00:00  ops  Step fix
    09:00:00  ops  fix: command started (evidence #1)
    09:00:00  ops  fix: command finished, exit 0 (evidence #1)
    09:00:00  ops  Step check
    09:00:00  ops  Paused: waiting for an answer to step `check`
    09:01:00  ops  Note: <script>alert(1)</script> disk full
    09:02:00  ops  Attached evidence.txt (6 bytes)
    09:05:00  ops  Resumed
    09:05:00  ops  check: done (scripted)
    09:05:00  ops  Step done
    09:05:00  ops  Ended at done: resolved

    Escalations and notifications
    -----------------------------
    Escalations
      None.

    Notifications
      None.

    Attachments
    -----------
      - evidence.txt, 6 bytes, sha256
        [sha256]

    Command evidence
    ----------------
    Evidence #1: step fix
      | $ echo fixed; echo '<b>bold</b>'
      succeeded, exit 0, took [time], 18 bytes of output
      | fixed
      | <b>bold</b>

    Verification
    ------------
    Signature       verified
    Signed by       ops
    Key             SHA256:[key]
    Record SHA-256  [sha256]
    Previous        none (the first record)
    Journal         12 events, head
                    [sha256]
    Runbook digest  [sha256]
    ");
}

#[test]
fn markdown_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "markdown"]);
    outcome.success();
    insta::assert_snapshot!(stable(&outcome.stdout), @r"
    # Incident report INC-20261128-0001

    ## Incident

    * **Incident:** INC-20261128-0001
    * **Runbook:** Fixed (fixed), version 2026.1
    * **Outcome:** resolved (at done)
    * **Severity:** sev2
    * **Operators:** ops@HOST
    * **Started:** 2026-11-28 09:00:00 UTC
    * **Ended:** 2026-11-28 09:05:00 UTC
    * **Handling took:** 5m00s
    * **Archived:** 2026-11-28 10:00:00 UTC (55m00s after the end)

    ## Summary

    ### What happened

    nginx on web1 stopped answering.

    ### Cause

    The log partition filled up.

    ### Handling and result

    Rotated logs \& restarted nginx.

    ### Follow-ups

    - Alert at 80% disk use

    * **Archive due:** 2026-11-29 09:05:00 UTC (1d after the end)
    * **Compliance:** met: archived 23h05m before the deadline
    * **Signature:** verified, signed by ops

    ## Timeline

    | Time | By | Event |
    | --- | --- | --- |
    | 09:00:00 | ops | Started: Fixed (fixed), severity sev2 |
    | 09:00:00 | ops | Step fix |
    | 09:00:00 | ops | fix: command started (evidence #1) |
    | 09:00:00 | ops | fix: command finished, exit 0 (evidence #1) |
    | 09:00:00 | ops | Step check |
    | 09:00:00 | ops | Paused: waiting for an answer to step \`check\` |
    | 09:01:00 | ops | Note: \<script\>alert(1)\</script\> disk full |
    | 09:02:00 | ops | Attached evidence.txt (6 bytes) |
    | 09:05:00 | ops | Resumed |
    | 09:05:00 | ops | check: done (scripted) |
    | 09:05:00 | ops | Step done |
    | 09:05:00 | ops | Ended at done: resolved |

    ## Escalations and notifications

    ### Escalations

    None.

    ### Notifications

    None.

    ## Attachments

    - evidence.txt, 6 bytes, sha256 [sha256]

    ## Command evidence

    ### Evidence #1: step fix

    ```text
    $ echo fixed; echo '<b>bold</b>'
    ```

    succeeded, exit 0, took [time], 18 bytes of output

    ```text
    fixed
    <b>bold</b>
    ```

    ## Verification

    * **Signature:** verified
    * **Signed by:** ops
    * **Key:** SHA256:[key]
    * **Record SHA-256:** [sha256]
    * **Previous:** none (the first record)
    * **Journal:** 12 events, head
      `[sha256]`
    * **Runbook digest:** [sha256]
    ");
}

#[test]
fn chinese_text_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--lang", "zh"]);
    outcome.success().stdout_fits(80);
    insta::assert_snapshot!(stable(&outcome.stdout), @"
    事件报告 INC-20261128-0001
    ==========================

    事件概况
    --------
    事件编号  INC-20261128-0001
    预案      修复（fixed），版本 2026.1
    结果      已解决（done）
    级别      sev2
    处置人员  ops@HOST
    开始      2026-11-28 09:00:00 UTC
    结束      2026-11-28 09:05:00 UTC
    处置用时  5分00秒
    归档      2026-11-28 10:00:00 UTC（结束后 55分00秒）

    总结
    ----
    事件经过
      nginx on web1 stopped answering.

    原因
      The log partition filled up.

    处置及结果
      Rotated logs & restarted nginx.

    后续事项
      - Alert at 80% disk use

    归档截止  2026-11-29 09:05:00 UTC（结束后 1天 内）
    是否按时  按时：截止前 23小时05分 归档
    签名      验证通过，签名人 ops

    时间线
    ------
    时间      操作人  事件
    -------------------------------------------------------------
    09:00:00  ops     启动：修复（fixed），级别 sev2
    09:00:00  ops     进入步骤 fix
    09:00:00  ops     fix：命令开始执行（证据 #1）
    09:00:00  ops     fix：命令结束，退出码 0（证据 #1）
    09:00:00  ops     进入步骤 check
    09:00:00  ops     暂停：等待步骤 `check` 的回答
    09:01:00  ops     备注：<script>alert(1)</script> disk full
    09:02:00  ops     附件 evidence.txt（6 字节）
    09:05:00  ops     继续
    09:05:00  ops     check：完成（脚本）
    09:05:00  ops     进入步骤 done
    09:05:00  ops     结束于 done：已解决

    升级与通知
    ----------
    升级
      无。

    通知
      无。

    附件
    ----
      - evidence.txt，6 字节，sha256
        [sha256]

    命令记录
    --------
    证据 #1：步骤 fix
      | $ echo fixed; echo '<b>bold</b>'
      成功，退出码 0，用时 [time]，输出 18 字节
      | fixed
      | <b>bold</b>

    验证
    ----
    签名          验证通过
    签名人        ops
    密钥          SHA256:[key]
    记录 SHA-256  [sha256]
    上一记录      无（首条记录）
    日志          12 条事件，末条哈希
                  [sha256]
    预案摘要      [sha256]
    ");
}

#[test]
fn html_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "html"]);
    outcome.success();
    // The page's body; the stylesheet is pinned by the well-formedness test.
    let page = stable(&outcome.stdout);
    let body = &page[page.find("<body>").expect("a body")..];
    insta::assert_snapshot!(body, @r#"
    <body>
    <h1>Incident report INC-20261128-0001</h1>
    <section id="header">
    <h2>Incident</h2>
    <dl>
    <dt>Incident</dt><dd>INC-20261128-0001</dd>
    <dt>Runbook</dt><dd>Fixed (fixed), version 2026.1</dd>
    <dt>Outcome</dt><dd>resolved (at done)</dd>
    <dt>Severity</dt><dd>sev2</dd>
    <dt>Operators</dt><dd>ops@HOST</dd>
    <dt>Started</dt><dd>2026-11-28 09:00:00 UTC</dd>
    <dt>Ended</dt><dd>2026-11-28 09:05:00 UTC</dd>
    <dt>Handling took</dt><dd>5m00s</dd>
    <dt>Archived</dt><dd>2026-11-28 10:00:00 UTC (55m00s after the end)</dd>
    </dl>
    </section>
    <section id="summary">
    <h2>Summary</h2>
    <h3>What happened</h3>
    <p>nginx on web1 stopped answering.</p>
    <h3>Cause</h3>
    <p>The log partition filled up.</p>
    <h3>Handling and result</h3>
    <p>Rotated logs &amp; restarted nginx.</p>
    <h3>Follow-ups</h3>
    <ul>
    <li>Alert at 80% disk use</li>
    </ul>
    <dl>
    <dt>Archive due</dt><dd>2026-11-29 09:05:00 UTC (1d after the end)</dd>
    <dt>Compliance</dt><dd>met: archived 23h05m before the deadline</dd>
    <dt>Signature</dt><dd>verified, signed by ops</dd>
    </dl>
    </section>
    <section id="timeline">
    <h2>Timeline</h2>
    <table>
    <thead><tr><th>Time</th><th>By</th><th>Event</th></tr></thead>
    <tbody>
    <tr><td>09:00:00</td><td>ops</td><td>Started: Fixed (fixed), severity sev2</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Step fix</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>fix: command started (evidence #1)</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>fix: command finished, exit 0 (evidence #1)</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Step check</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Paused: waiting for an answer to step `check`</td></tr>
    <tr><td>09:01:00</td><td>ops</td><td>Note: &lt;script&gt;alert(1)&lt;/script&gt; disk full</td></tr>
    <tr><td>09:02:00</td><td>ops</td><td>Attached evidence.txt (6 bytes)</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Resumed</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>check: done (scripted)</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Step done</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Ended at done: resolved</td></tr>
    </tbody>
    </table>
    </section>
    <section id="escalations">
    <h2>Escalations and notifications</h2>
    <h3>Escalations</h3>
    <p>None.</p>
    <h3>Notifications</h3>
    <p>None.</p>
    </section>
    <section id="attachments">
    <h2>Attachments</h2>
    <ul>
    <li>evidence.txt, 6 bytes, sha256 [sha256]</li>
    </ul>
    </section>
    <section id="commands">
    <h2>Command evidence</h2>
    <div class="evidence" id="evidence-1">
    <h3>Evidence #1: step fix</h3>
    <pre>$ echo fixed; echo &#39;&lt;b&gt;bold&lt;/b&gt;&#39;</pre>
    <p>succeeded, exit 0, took [time], 18 bytes of output</p>
    <pre>fixed
    &lt;b&gt;bold&lt;/b&gt;</pre>
    </div>
    </section>
    <footer id="verification">
    <h2>Verification</h2>
    <dl>
    <dt>Signature</dt><dd>verified</dd>
    <dt>Signed by</dt><dd>ops</dd>
    <dt>Key</dt><dd>SHA256:[key]</dd>
    <dt>Record SHA-256</dt><dd>[sha256]</dd>
    <dt>Previous</dt><dd>none (the first record)</dd>
    <dt>Journal</dt><dd>12 events, head</dd>
    <dt></dt><dd>[sha256]</dd>
    <dt>Runbook digest</dt><dd>[sha256]</dd>
    </dl>
    </footer>
    </body>
    </html>
    "#);
}
