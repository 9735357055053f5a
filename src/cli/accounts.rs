//! `scrutineer accounts`: the service's accounts from the server machine itself (the service
//! stopped): add one, list them, and the local recovery of a lost password.

use crate::cli::CommandError;
use crate::codes::Code;
use std::path::Path;

use clap::Subcommand;

use crate::records::{Account, Records};
use crate::server::auth::{hash_password, random_password, Role};

#[derive(Subcommand, Debug)]
pub enum AccountsCommand {
    /// 新账号 / Create an account with a one-time password (printed once).
    Add {
        name: String,
        /// organiser, registrar, teller or auditor.
        #[arg(long)]
        role: String,
    },
    /// 账号列表 / List the accounts and their roles.
    List,
    /// 重置密码 / Give an account a new one-time password (printed once, to be changed at the
    /// next sign-in), enable it if it was disabled, and end its sessions.
    ResetPassword { name: String },
    /// 停用账号 / Disable an account and end its sessions (on the server machine).
    Disable { name: String },
}

fn err(e: impl std::fmt::Display, code: Code) -> CommandError {
    CommandError::new(code, e)
}

/// Runs an accounts command on the records in `data`.
pub fn run(data: &Path, cmd: AccountsCommand) -> Result<String, CommandError> {
    // Only `add` may start a data directory of its own; the others read one that exists
    // (a mistyped --data must not leave an empty directory and answer with nothing).
    if !matches!(cmd, AccountsCommand::Add { .. }) && !data.join("service").is_dir() {
        return Err(err(
            format!(
                "{0} 不是服务的数据目录 (其中没有 service/): 请用 --data 指向服务的 --data-dir / {0} \
                 is not the service's data directory (it has no service/ inside): point --data at \
                 the service's --data-dir",
                data.display()
            ),
            Code::UnreadableFile,
        ));
    }
    let records = Records::open(data).map_err(|e| err(&e, e.code()))?;
    let out = match cmd {
        AccountsCommand::Add { name, role } => {
            let role = Role::from_id(&role)
                .filter(|r| *r != Role::Kiosk)
                .ok_or_else(|| err(format!("角色 “{role}” 不存在; 可用: organiser, registrar, teller, auditor / unknown role “{role}”"), Code::UnknownRole))?;
            crate::server::auth::check_username(&name).map_err(|e| err(&e, e.code()))?;
            let password = random_password().map_err(|e| err(&e, e.code()))?;
            records
                .create_account(&Account {
                    username: name.clone(),
                    role: role.id().into(),
                    password_hash: hash_password(&password).map_err(|e| err(&e, e.code()))?,
                    must_change_password: true,
                    disabled: false,
                })
                .map_err(|e| err(&e, e.code()))?;
            format!("已创建 created {name} ({}); 一次性密码 one-time password (shown once):\n    {password}\n", role.id())
        }
        AccountsCommand::List => records
            .accounts()
            .map_err(|e| err(&e, e.code()))?
            .iter()
            .map(|a| {
                let state = match (a.disabled, a.must_change_password) {
                    (true, _) => "\t已停用 disabled",
                    (false, true) => "\t待改密码 one-time password",
                    _ => "",
                };
                format!("{}\t{}{state}\n", a.username, a.role)
            })
            .collect(),
        AccountsCommand::Disable { name } => {
            let mut a = records
                .account(&name)
                .map_err(|e| err(&e, e.code()))?
                .ok_or_else(|| {
                    err(
                        format!("没有账号 “{name}” / no account “{name}”"),
                        Code::UnknownAccount,
                    )
                })?;
            // The service's rule (`last_organiser`): the hall is never left without an
            // organiser who can sign in; `reset-password` is the local recovery.
            if a.role == Role::Organiser.id() && !a.disabled {
                let others = records
                    .accounts()
                    .map_err(|e| err(&e, e.code()))?
                    .into_iter()
                    .filter(|x| x.role == a.role && !x.disabled && x.username != name)
                    .count();
                if others == 0 {
                    return Err(err(
                        format!("“{name}” 是最后一个可用的组织者账号, 不能停用 (先用 accounts add … --role organiser 加一个) / “{name}” is the last enabled organiser account and cannot be disabled (add another first: accounts add … --role organiser)"),
                        Code::LastOrganiser,
                    ));
                }
            }
            a.disabled = true;
            records.set_account(&a).map_err(|e| err(&e, e.code()))?;
            let ended = records
                .remove_sessions_of(&name)
                .map_err(|e| err(&e, e.code()))?;
            format!("已停用 disabled {name}: 结束了 {ended} 个会话 ended {ended} session(s)\n")
        }
        AccountsCommand::ResetPassword { name } => {
            let mut a = records
                .account(&name)
                .map_err(|e| err(&e, e.code()))?
                .ok_or_else(|| {
                    err(
                        format!("没有账号 “{name}” / no account “{name}”"),
                        Code::UnknownAccount,
                    )
                })?;
            let password = random_password().map_err(|e| err(&e, e.code()))?;
            a.password_hash = hash_password(&password).map_err(|e| err(&e, e.code()))?;
            // The local recovery also re-enables an account the organiser disabled: whoever
            // holds the server machine decides.
            a.must_change_password = true;
            a.disabled = false;
            records.set_account(&a).map_err(|e| err(&e, e.code()))?;
            let ended = records
                .remove_sessions_of(&name)
                .map_err(|e| err(&e, e.code()))?;
            format!("已重置 reset {name}: 结束了 {ended} 个会话 ended {ended} session(s); 一次性密码 one-time password (shown once):\n    {password}\n")
        }
    };
    records.flush().map_err(|e| err(&e, e.code()))?;
    Ok(out)
}
