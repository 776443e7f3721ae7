//! The UI's wasm is split into lazily loaded chunks after linking (`cargo xtask finish-dist`);
//! the splitter follows the linker's relocations, which only the UI's own link needs to keep.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bin=kindling-app=--emit-relocs");
    }
}
