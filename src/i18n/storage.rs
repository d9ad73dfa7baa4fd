//! What goes wrong with the files `runbook` keeps: an incident's journal,
//! its inbox, the archive and its index, its mirrors, the records and the
//! signing key. The layers that keep them return typed errors; these are
//! the words those errors are said in. What the system said (an I/O
//! error's text) is quoted as it was, inside these words.
//!
//! English first (the keys are written with it), then Chinese: one
//! exhaustive match, so a key without its Chinese does not build.

area! {
    Storage;
    ActRead => "read",
    ActOpen => "open",
    ActCreate => "create",
    ActWrite => "write",
    ActAppendTo => "append to",
    ActLock => "lock",
    ActList => "list",
    ActSync => "sync",
    ActRename => "rename",
    ActRemove => "remove",
    ActMoveAside => "move aside",
    ActTruncate => "truncate",
    ActCopy => "copy",
    ActLookUp => "look up",
    ActAttach => "attach",
    ActUse => "use",
    CannotDoOn => "cannot {action} {path}: {error}",
    JournalCorrupt => "journal {path}line {line}: {reason}; the incident cannot be resumed from a corrupted journal",
    CorruptNotAnEvent => "not a journal event ({error})",
    CorruptEmpty => "empty line (the journal never writes one)",
    CorruptHashNotLast => "the line does not end with its hash (it was rewritten by something else)",
    CorruptHashMismatch => "hash does not match its contents (the line was edited or damaged)",
    CorruptPrevStart => "prev is not the start of the chain (lines before it were deleted, or it was moved)",
    CorruptPrev => "prev is not the hash of line {after} (a line was deleted, reordered or replaced)",
    CorruptSeq => "seq is {found}, expected {expected} (a line was deleted, repeated or reordered)",
    JournalWrongIncident => "journal {path} is incident {found}'s, not {expected}'s, whose directory it is in: it was copied or linked from another incident, and is not used",
    JournalTruncated => "journal {path} ends {ended}, but {head} says event {seq} was on disk: {missing} cut off its end; the incident cannot be resumed from a truncated journal: put journal.jsonl back from a backup (or, to go on without {them}, move journal.head aside: the next command writes it again)",
    TruncEndsBeforeFirst => "before its first event",
    TruncEndsAt => "at event {last}",
    TruncThenTorn => "{at} (then a line cut short)",
    TruncMissingOne => "event {kept} was",
    TruncMissingMany => "events {from} to {kept} were",
    TruncWithoutIt => "it",
    TruncWithoutThem => "them",
    JournalHeadDisagrees => "journal {path} line {line}: {differs} differs from what {head} says ({kept}): the journal was rewritten after it; the incident cannot be resumed from a corrupted journal",
    HeadLineEnds => "its line ends at byte {bytes}",
    HeadItsHash => "its hash {hash}…",
    HeadShort => "hash {hash}…, ending at byte {bytes}",
    JournalHeadDamaged => "{path} is damaged (neither of its two slots checks), so it cannot tell whether lines were cut off the end of journal.jsonl beside it; check the journal by hand (docs/journal-format.md) and, if it is whole, remove {path}: the next command that writes to the incident writes it again",
    JournalPoisoned => "journal {path} is not written to any more in this process: an earlier append failed part-way; run the command again to resume (a partial last line is then moved aside)",
    JournalWrongLock => "the lock held is for {locked}, not for {dir}",
    HandOverRefused => "the incident's journal did not take this in: set aside as {path} (a runbook of another version holds the incident, or the entry was damaged)",
    HandOverFailed => "cannot hand this to {holder}: {error}",
    HintHandOverFailed => "try again once that process has ended, or stop it (Ctrl-C pauses a walk), then run the command again",
    RecordOpen => "{incident} is still open ({status}); only an ended or aborted incident is archived",
    RecordMismatch => "the events given are not the incident's: {detail}",
    RecordRunbook => "the runbook kept with {incident} is not the one it started with: its sha256 is {found}, {journaled} was journaled at start",
    RecordDeadline => "the archive deadline is past the last date a record can hold",
    RecordFloat => "a number at {path} is not an integer; records hold no floats",
    RecordNotJson => "not JSON: {error}",
    RecordNotCanonical => "not in canonical form (keys sorted, compact, one final newline)",
    RecordNotFormat => "not a {format} record: {error}",
    RecordFormatNamed => "its format is `{format}`",
    RecordFormatMissing => "it has no `format`",
    JsonAt => "{what} at line {line} column {column}",
    JsonAtColumn => "{what} at column {column}",
    JsonSyntax => "not valid JSON",
    JsonData => "not the fields expected",
    JsonEof => "cut short",
    ArchiveAlready => "{id} is already archived: {path}",
    ArchiveRecordAt => "{path}: {error}",
    ArchiveIndexLine => "{path} line {line}: {reason}",
    AuditIndexLineId => "index line {line}",
    RecoveredIncomplete => "removed an unfinished archive entry (pending was incomplete)",
    RecoveredStale => "removed a stale pending: {id} is already in the index (line {line})",
    RecoveredFinished => "finished archiving {id} (a crash stopped it before the index)",
    RecoveredUndone => "undid the unfinished archiving of {id} (a crash stopped it); archive it again",
    RecoveredCut => "{done}; cut a partial last line ({bytes} bytes) from the index",
    ArchiveRecoveredLine => "archive: {done}",
    ArchiveUnindexedMissing => "{index} is missing, but the archive holds {count} record file(s): {names}",
    ArchiveUnindexed => "{index} does not list {count} of the archive's record files: {names}",
    ArchiveAndMore => "and {count} more",
    MirrorNoDirectory => "{path} is not there (is the backup disk mounted?); create the directory to use it",
    MirrorConflict => "conflict: {path} already exists with other contents; left alone",
    MirrorLocal => "the local archive's {path}: {reason}",
    MirrorLocalSha => "its SHA-256 is not the index's for {id}; run `runbook verify --all`",
    MirrorGit => "git {command} failed ({ended}): {output}",
    GitNotStarted => "not started",
    GitCannotStart => "cannot start git: {error}",
    HintMirrorRemote => "check that the remote `{remote}` in the config's `mirrors` is right and that this machine can reach it (try `git ls-remote {remote}`)",
    KeySigningKey => "signing key",
    KeyPassphraseFile => "passphrase file",
    KeyAllowedSigners => "allowed signers file",
    SignMissing => "no signing key at {path}; make one with `runbook keygen`",
    SignRead => "cannot read {what} {path}: {error}",
    SignLoose => "refused: {what} {path} is {access} by group or others (mode {mode}); run chmod 600 {path}",
    AccessReadable => "readable",
    AccessWritable => "writable",
    AccessAccessible => "accessible",
    SignNotAKey => "{path} is not an OpenSSH private key: {reason}",
    SignUnsupported => "{path} is an {algorithm} key; runbook signs with ssh-ed25519 keys (make one with `runbook keygen`)",
    SignPassphraseNeeded => "signing key {path} is encrypted and no passphrase was given; give it with --passphrase-file FILE (a file holding the passphrase)",
    SignWrongPassphrase => "wrong passphrase for signing key {path}",
    SignEmptyPassphrase => "passphrase file {path} is empty; leave the option out for a key without a passphrase",
    SignFailed => "signing failed: {error}",
    SignBadIdentity => "`{identity}` cannot be a principal in allowed_signers: {reason}",
    IdentityEmpty => "it is empty",
    IdentityBlank => "it holds a blank or a control character",
    IdentityQuote => "it holds a quote or a comma",
    IdentityPattern => "it holds a pattern character (*, ? or a leading !)",
    IdentityComment => "it starts with #, which makes a comment",
    IdentityNotOne => "it does not read back as one principal",
    SignExists => "refused: {path} already exists; runbook keygen never replaces a key",
    SignersRead => "cannot read allowed signers file {path}: {error}",
    SignersTooBig => "allowed signers file {path} is {size} bytes; at most {max} are read",
    SignersLine => "{file}:{line}: {message}",
    PassphraseFor => "Passphrase for {path}",
    CannotSignRecord => "cannot sign the record: {error}",
    JournalWriteFailed => "cannot write the journal: {error}",
    NothingArchivedFork => "nothing archived: {error}; a record chained to the index's last line would fork the chain",
    HintReindexThenArchive => "run `runbook records --reindex` to rebuild the index from the record files, then archive again",
}

pub(super) fn zh(key: Key) -> &'static str {
    match key {
        Key::ActRead => "读取",
        Key::ActOpen => "打开",
        Key::ActCreate => "创建",
        Key::ActWrite => "写入",
        Key::ActAppendTo => "追加写入",
        Key::ActLock => "锁定",
        Key::ActList => "列出",
        Key::ActSync => "同步写入",
        Key::ActRename => "重命名",
        Key::ActRemove => "删除",
        Key::ActMoveAside => "移开",
        Key::ActTruncate => "截断",
        Key::ActCopy => "复制",
        Key::ActLookUp => "查看",
        Key::ActAttach => "附加",
        Key::ActUse => "使用",
        Key::CannotDoOn => "无法{action} {path}：{error}",
        Key::JournalCorrupt => "日志 {path}第 {line} 行：{reason}；日志已损坏，无法继续本事件",
        Key::CorruptNotAnEvent => "不是日志事件：{error}",
        Key::CorruptEmpty => "空行（日志从不写入空行）",
        Key::CorruptHashNotLast => "该行不以其哈希结尾（已被其他程序改写）",
        Key::CorruptHashMismatch => "哈希与内容不符（该行被编辑过或已损坏）",
        Key::CorruptPrevStart => "prev 不是哈希链的起点（此前的行被删除，或该行被移动过）",
        Key::CorruptPrev => "prev 不是第 {after} 行的哈希（有行被删除、调换或替换）",
        Key::CorruptSeq => "seq 为 {found}，应为 {expected}（有行被删除、重复或调换）",
        Key::JournalWrongIncident => {
            "日志 {path} 属于事件 {found}，而不是其所在目录的事件 {expected}：它是从其他事件复制或链接来的，不予使用"
        }
        Key::JournalTruncated => {
            "日志 {path} {ended}，但 {head} 记载第 {seq} 个事件已写入磁盘：{missing}已从末尾被截掉；无法从被截断的日志继续本事件：请从备份恢复 journal.jsonl（若不要{them}也要继续，请移开 journal.head：下一个命令会重新写入它）"
        }
        Key::TruncEndsBeforeFirst => "在第一个事件之前就结束了",
        Key::TruncEndsAt => "结束于第 {last} 个事件",
        Key::TruncThenTorn => "{at}（其后有一行不完整）",
        Key::TruncMissingOne => "第 {kept} 个事件",
        Key::TruncMissingMany => "第 {from} 至 {kept} 个事件",
        Key::TruncWithoutIt => "该事件",
        Key::TruncWithoutThem => "这些事件",
        Key::JournalHeadDisagrees => {
            "日志 {path} 第 {line} 行：{differs}与 {head} 的记载（{kept}）不符：日志在那之后被改写过；日志已损坏，无法继续本事件"
        }
        Key::HeadLineEnds => "该行结束于第 {bytes} 字节",
        Key::HeadItsHash => "其哈希 {hash}…",
        Key::HeadShort => "哈希 {hash}…，结束于第 {bytes} 字节",
        Key::JournalHeadDamaged => {
            "{path} 已损坏（两个槽位都校验不过），无法判断同目录下 journal.jsonl 的末尾是否有行被截掉；请手工检查日志（docs/journal-format.md），若日志完整，删除 {path}：下一个写入本事件的命令会重新写入它"
        }
        Key::JournalPoisoned => {
            "本进程不再写入日志 {path}：之前的一次追加写入中途失败；请重新运行命令以继续（届时不完整的最后一行会被移开）"
        }
        Key::JournalWrongLock => "持有的锁属于 {locked}，而不是 {dir}",
        Key::HandOverRefused => {
            "事件日志没有收下这一条：已另存为 {path}（持有本事件的是另一版本的 runbook，或该条目已损坏）"
        }
        Key::HandOverFailed => "无法交给 {holder}：{error}",
        Key::HintHandOverFailed => "等该进程结束后再试，或停止它（Ctrl-C 暂停执行），然后重新运行命令",
        Key::RecordOpen => "{incident} 尚未结束（{status}）：只有已结束或已中止的事件才能归档",
        Key::RecordMismatch => "所给的事件不属于该事件：{detail}",
        Key::RecordRunbook => {
            "随 {incident} 保存的预案不是它开始时所用的：其 sha256 为 {found}，开始时日志记下的是 {journaled}"
        }
        Key::RecordDeadline => "归档期限晚于记录所能表示的最晚日期",
        Key::RecordFloat => "{path} 处的数字不是整数：记录中不能有浮点数",
        Key::RecordNotJson => "不是 JSON：{error}",
        Key::RecordNotCanonical => "不是规范格式（键按序排列、紧凑书写、末尾恰有一个换行）",
        Key::RecordNotFormat => "不是 {format} 记录：{error}",
        Key::RecordFormatNamed => "其格式为 `{format}`",
        Key::RecordFormatMissing => "缺少 `format` 字段",
        Key::JsonAt => "{what}（第 {line} 行第 {column} 列）",
        Key::JsonAtColumn => "{what}（第 {column} 个字符处）",
        Key::JsonSyntax => "不是有效的 JSON",
        Key::JsonData => "字段不符合格式",
        Key::JsonEof => "内容不完整",
        Key::ArchiveAlready => "{id} 已归档：{path}",
        Key::ArchiveRecordAt => "{path}：{error}",
        Key::ArchiveIndexLine => "{path} 第 {line} 行：{reason}",
        Key::AuditIndexLineId => "索引第 {line} 行",
        Key::RecoveredIncomplete => "已删除一条未完成的归档条目（pending 不完整）",
        Key::RecoveredStale => "已删除过期的 pending：{id} 已在索引中（第 {line} 行）",
        Key::RecoveredFinished => "已完成 {id} 的归档（上次在写入索引前中断）",
        Key::RecoveredUndone => "已撤销 {id} 未完成的归档（上次中途中断）；请重新归档",
        Key::RecoveredCut => "{done}；已从索引中截去不完整的最后一行（{bytes} 字节）",
        Key::ArchiveRecoveredLine => "归档：{done}",
        Key::ArchiveUnindexedMissing => "{index} 不存在，但归档中有 {count} 个记录文件：{names}",
        Key::ArchiveUnindexed => "{index} 没有列出归档中的 {count} 个记录文件：{names}",
        Key::ArchiveAndMore => "另有 {count} 个",
        Key::MirrorNoDirectory => "{path} 不存在（备份盘是否已挂载？）；要使用它，请先创建该目录",
        Key::MirrorConflict => "冲突：{path} 已存在且内容不同；未作改动",
        Key::MirrorLocal => "本地归档的 {path}：{reason}",
        Key::MirrorLocalSha => "其 SHA-256 与索引中 {id} 的不符；请运行 `runbook verify --all`",
        Key::MirrorGit => "git {command} 失败（{ended}）：{output}",
        Key::GitNotStarted => "未能启动",
        Key::GitCannotStart => "无法启动 git：{error}",
        Key::HintMirrorRemote => {
            "请检查配置 `mirrors` 中的远程仓库 `{remote}` 是否正确、本机能否连上它（试试 `git ls-remote {remote}`）"
        }
        Key::KeySigningKey => "签名密钥",
        Key::KeyPassphraseFile => "口令文件",
        Key::KeyAllowedSigners => "可信签名者文件",
        Key::SignMissing => "{path} 处没有签名密钥；请用 `runbook keygen` 生成",
        Key::SignRead => "无法读取{what} {path}：{error}",
        Key::SignLoose => {
            "已拒绝：{what} {path} 对属组或其他用户{access}（权限 {mode}）；请运行 chmod 600 {path}"
        }
        Key::AccessReadable => "可读",
        Key::AccessWritable => "可写",
        Key::AccessAccessible => "可访问",
        Key::SignNotAKey => "{path} 不是 OpenSSH 私钥：{reason}",
        Key::SignUnsupported => {
            "{path} 是 {algorithm} 密钥；runbook 只用 ssh-ed25519 密钥签名（可用 `runbook keygen` 生成）"
        }
        Key::SignPassphraseNeeded => {
            "签名密钥 {path} 已加密，但没有给出口令；请用 --passphrase-file FILE（存放口令的文件）给出"
        }
        Key::SignWrongPassphrase => "签名密钥 {path} 的口令不对",
        Key::SignEmptyPassphrase => "口令文件 {path} 是空的；密钥没有口令时请不要给出该选项",
        Key::SignFailed => "签名失败：{error}",
        Key::SignBadIdentity => "`{identity}` 不能作为 allowed_signers 中的签名者：{reason}",
        Key::IdentityEmpty => "它是空的",
        Key::IdentityBlank => "它含有空白或控制字符",
        Key::IdentityQuote => "它含有引号或逗号",
        Key::IdentityPattern => "它含有通配符（*、? 或开头的 !）",
        Key::IdentityComment => "它以 # 开头，会被当作注释",
        Key::IdentityNotOne => "读回来不是单独一个签名者",
        Key::SignExists => "已拒绝：{path} 已存在；runbook keygen 从不替换已有密钥",
        Key::SignersRead => "无法读取可信签名者文件 {path}：{error}",
        Key::SignersTooBig => "可信签名者文件 {path} 有 {size} 字节；最多只读取 {max} 字节",
        Key::SignersLine => "{file}:{line}：{message}",
        Key::PassphraseFor => "{path} 的口令",
        Key::CannotSignRecord => "无法签署记录：{error}",
        Key::JournalWriteFailed => "无法写入日志：{error}",
        Key::NothingArchivedFork => "未归档：{error}；接在索引最后一行之后的记录会使哈希链分叉",
        Key::HintReindexThenArchive => {
            "请运行 `runbook records --reindex` 根据记录文件重建索引，然后重新归档"
        }
    }
}
