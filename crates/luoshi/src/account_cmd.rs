//! Accounts on the command line, for the operator of the server machine:
//! `luoshi user add|list|reset-password` and `luoshi token create`.
//!
//! These commands open the database directly and act as the system (the
//! operator's authority is access to the database): their writes are
//! audited under the login `system`, except a token's creation, which
//! luoshi-core records under the token's owner. One-time passwords and
//! token secrets are printed once and never stored in clear.

use std::sync::Arc;

use luoshi_core::{
    Accounts, Login, NewUser, Password, PersonName, Principal, Role, Store, SystemClock, UnitName,
    User, UserId, one_time_password,
};
use serde_json::json;

use crate::UserError;
use crate::ledger_cmd::Global;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Adds a user with a one-time password.
    #[command(about = "新增用户，打印一次性密码（首次登录须修改）")]
    Add {
        #[arg(value_name = "登录名", help = "2 到 32 个英文字母、数字或 . _ -")]
        login: String,
        #[arg(long, value_name = "姓名", help = "姓名")]
        name: String,
        #[arg(
            long,
            value_name = "角色",
            help = "admin（系统管理员）、office（督查室）、unit_lead（单位负责人）、unit_staff（单位工作人员）或 leadership（领导）"
        )]
        role: String,
        #[arg(
            long,
            value_name = "单位",
            help = "所属单位（单位负责人、单位工作人员必填）"
        )]
        unit: Option<String>,
    },
    /// Lists the users.
    #[command(about = "列出用户")]
    List,
    /// Resets a user's password to a new one-time password.
    #[command(about = "重置用户密码：打印新的一次性密码，结束其登录会话并解除锁定")]
    ResetPassword {
        #[arg(value_name = "登录名")]
        login: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Creates an API token for a user.
    #[command(about = "为用户创建访问令牌（供脚本调用接口），令牌只显示这一次")]
    Create {
        #[arg(value_name = "登录名")]
        login: String,
        #[arg(long, value_name = "名称", help = "令牌用途，如 夜间同步")]
        name: String,
    },
}

#[derive(Debug)]
pub enum Command {
    User(UserCommand),
    Token(TokenCommand),
}

fn user_error(code: &'static str, message: impl Into<String>) -> UserError {
    UserError {
        code,
        message: message.into(),
    }
}

fn store_error(e: luoshi_core::StoreError) -> UserError {
    user_error(e.code(), e.to_string())
}

fn value<T>(r: Result<T, luoshi_core::ValueError>) -> Result<T, UserError> {
    r.map_err(|e| user_error(e.code(), e.to_string()))
}

/// The system acting: an administrator that is no user.
fn system() -> Result<Principal, UserError> {
    Ok(Principal {
        user: UserId(0),
        login: value(Login::parse("system"))?,
        name: value(PersonName::parse("系统"))?,
        role: Role::Admin,
        unit: None,
        must_change_password: false,
    })
}

fn principal_of(u: &User) -> Principal {
    Principal {
        user: u.id,
        login: u.login.clone(),
        name: u.name.clone(),
        role: u.role,
        unit: u.unit.as_ref().map(|r| r.id),
        must_change_password: u.must_change_password,
    }
}

async fn find(store: &Store, login: &str) -> Result<User, UserError> {
    let login = value(Login::parse(login))?;
    store
        .users()
        .await
        .map_err(store_error)?
        .into_iter()
        .find(|u| u.login == login)
        .ok_or_else(|| user_error("not_found", format!("没有登录名为“{login}”的用户。")))
}

/// Runs an account command on a small runtime of its own.
pub fn run(global: &Global, command: Command) -> Result<(), UserError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| user_error("runtime", format!("无法启动运行时：{e}")))?;
    runtime.block_on(async {
        let store = Store::open(&global.database, Arc::new(SystemClock::default()))
            .await
            .map_err(store_error)?;
        let result = dispatch(&store, global, command).await;
        store.close().await;
        result
    })
}

async fn dispatch(store: &Store, global: &Global, command: Command) -> Result<(), UserError> {
    match command {
        Command::User(UserCommand::Add {
            login,
            name,
            role,
            unit,
        }) => {
            let password = one_time_password().map_err(store_error)?;
            let new = NewUser {
                login: value(Login::parse(&login))?,
                name: value(PersonName::parse(&name))?,
                role: value(Role::parse(&role))?,
                unit: unit
                    .as_deref()
                    .map(UnitName::parse)
                    .transpose()
                    .map_err(|e| user_error(e.code(), e.to_string()))?,
                password: value(Password::parse(&password))?,
            };
            let user = store
                .create_user(&system()?, &new)
                .await
                .map_err(store_error)?;
            if global.json {
                println!(
                    "{}",
                    json!({"user": user_json(&user), "one_time_password": password})
                );
            } else {
                println!(
                    "已新增用户 {}（{}，{}{}），一次性密码：{password}",
                    user.login,
                    user.name,
                    user.role.label(),
                    unit_suffix(&user)
                );
                println!("请将此密码交给本人；首次登录须修改密码。此密码只显示这一次。");
            }
        }
        Command::User(UserCommand::List) => {
            let users = store.users().await.map_err(store_error)?;
            if global.json {
                let all: Vec<_> = users.iter().map(user_json).collect();
                println!("{}", serde_json::Value::Array(all));
            } else {
                for u in &users {
                    let mut flags = Vec::new();
                    if !u.active {
                        flags.push("已停用");
                    }
                    if u.must_change_password {
                        flags.push("待修改密码");
                    }
                    if u.locked_until.is_some() {
                        flags.push("已锁定");
                    }
                    let flags = if flags.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", flags.join("、"))
                    };
                    println!(
                        "{}\t{}\t{}\t{}{}",
                        u.login,
                        u.name,
                        u.role.label(),
                        u.unit.as_ref().map_or("-", |r| r.name.as_str()),
                        flags
                    );
                }
            }
        }
        Command::User(UserCommand::ResetPassword { login }) => {
            let user = find(store, &login).await?;
            let password = one_time_password().map_err(store_error)?;
            store
                .reset_password(&system()?, user.id, &value(Password::parse(&password))?)
                .await
                .map_err(store_error)?;
            if global.json {
                println!(
                    "{}",
                    json!({"login": user.login.as_str(), "one_time_password": password})
                );
            } else {
                println!("已重置 {} 的密码，一次性密码：{password}", user.login);
                println!("其登录会话已结束、锁定已解除；首次登录须修改密码。此密码只显示这一次。");
            }
        }
        Command::Token(TokenCommand::Create { login, name }) => {
            let user = find(store, &login).await?;
            if !user.active {
                return Err(user_error(
                    "account_disabled",
                    format!("用户 {} 已停用，不能为其创建令牌。", user.login),
                ));
            }
            let (token, secret) = store
                .create_token(&principal_of(&user), &name)
                .await
                .map_err(store_error)?;
            if global.json {
                println!(
                    "{}",
                    json!({"id": token.id, "name": token.name, "login": user.login.as_str(), "secret": secret})
                );
            } else {
                println!("已为 {} 创建访问令牌“{}”：{secret}", user.login, token.name);
                println!(
                    "调用接口时使用请求头 Authorization: Bearer <令牌>。令牌只显示这一次，请妥善保存。"
                );
                if user.must_change_password {
                    println!(
                        "注意：该用户尚未修改初始密码，修改之前此令牌只能查看本人信息和修改密码。"
                    );
                }
            }
        }
    }
    Ok(())
}

fn unit_suffix(u: &User) -> String {
    u.unit
        .as_ref()
        .map(|r| format!("，{}", r.name))
        .unwrap_or_default()
}

fn user_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id.0,
        "login": u.login.as_str(),
        "name": u.name.as_str(),
        "role": u.role.code(),
        "unit": u.unit.as_ref().map(|r| r.name.as_str()),
        "active": u.active,
        "must_change_password": u.must_change_password,
        "locked": u.locked_until.is_some(),
    })
}
