//! `planscale`: parse, dispatch, exit. The command line (`cli`) lives in the binary; everything it
//! calls lives in the library, which knows nothing of flags.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
