//! The UI's entry point: installs the panic banner and mounts the app; nothing else.

fn main() {
    kindling::platform::panic::install();
    leptos::mount::mount_to_body(kindling::App);
    kindling::platform::clock::mark_interactive();
}
