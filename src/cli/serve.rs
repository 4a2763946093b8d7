//! `tapegrad serve [--port 8000] [--host 127.0.0.1]`: the browser playground.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Args;
use tapegrad::serve::{self, Limits};

use super::Failure;

/// Arguments of `tapegrad serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,

    /// The address to listen on. The default, 127.0.0.1, lets only this machine connect;
    /// 0.0.0.0 lets every machine that can reach this one use the playground.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
}

pub fn run(args: ServeArgs) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::new(format!("cannot listen on {addr}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::new(format!("cannot read the listening address: {e}")))?;
        let reach = if addr.ip().is_loopback() {
            "only this machine can connect; --host 0.0.0.0 opens it to the network"
        } else {
            "WARNING: other machines can connect; the playground has no login"
        };
        println!("tapegrad playground on http://{addr}/ ({reach}). Ctrl-C stops it.");
        serve::run(listener, Limits::default())
            .await
            .map_err(|e| Failure::new(format!("the server stopped: {e}")))?;
        Ok(ExitCode::SUCCESS)
    })
}
