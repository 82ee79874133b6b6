/// mimalloc keeps freed pages for reuse: the mail log reader builds and frees a set of tables
/// per chunk, and glibc's malloc gave those pages back and had the kernel zero new ones
/// (measured in `docs/PERFORMANCE.md`, "Sixth round").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mailq_tui::main()
}
