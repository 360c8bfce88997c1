// replaceDirectoryAtomically leaves a directory that already holds exactly the files alone, and
// replaces it whenever replacing would change anything on disk.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { holdsExactly, replaceDirectoryAtomically } from "../generator/lib/write.ts";

const FILES = [
  { path: "out/a.yaml", content: "a: 1\n" },
  { path: "out/sub/deeper/b.yaml", content: "b: \u00e9\n" },
];

function scratch(run: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), "lhnp-write-"));
  try {
    run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test("a directory holding exactly the files is not rewritten", () => {
  scratch((root) => {
    replaceDirectoryAtomically(root, "out", FILES);
    assert.ok(holdsExactly(root, "out", FILES));
    const inode = statSync(join(root, "out/a.yaml")).ino;
    replaceDirectoryAtomically(root, "out", FILES);
    assert.is(statSync(join(root, "out/a.yaml")).ino, inode, "the same file, not a new one");
    assert.equal(readdirSync(root), ["out"], "no staging directory left");
  });
});

test("anything replacing would change makes it replace: content, a missing or extra file, an empty folder, a link", () => {
  const cases: [string, (root: string) => void][] = [
    ["changed content", (root) => writeFileSync(join(root, "out/a.yaml"), "a: 2\n")],
    ["same text, other bytes", (root) => writeFileSync(join(root, "out/sub/deeper/b.yaml"), Buffer.from("b: \xe9\n", "latin1"))],
    ["a missing file", (root) => rmSync(join(root, "out/a.yaml"))],
    ["an extra file", (root) => writeFileSync(join(root, "out/sub/extra.yaml"), "x\n")],
    ["an empty folder", (root) => mkdirSync(join(root, "out/empty"))],
    [
      "a link in place of a file",
      (root) => {
        writeFileSync(join(root, "elsewhere.yaml"), "a: 1\n");
        rmSync(join(root, "out/a.yaml"));
        symlinkSync(join(root, "elsewhere.yaml"), join(root, "out/a.yaml"));
      },
    ],
    [
      "the directory a link",
      (root) => {
        replaceDirectoryAtomically(root, "real", FILES.map((f) => ({ ...f, path: f.path.replace(/^out\//, "real/") })));
        rmSync(join(root, "out"), { recursive: true });
        symlinkSync(join(root, "real"), join(root, "out"));
      },
    ],
  ];
  for (const [label, change] of cases) {
    scratch((root) => {
      replaceDirectoryAtomically(root, "out", FILES);
      change(root);
      assert.not.ok(holdsExactly(root, "out", FILES), label);
      replaceDirectoryAtomically(root, "out", FILES);
      assert.ok(holdsExactly(root, "out", FILES), `${label}: replaced`);
      assert.ok(statSync(join(root, "out/a.yaml")).isFile() && !readdirSync(join(root, "out")).includes("empty"), label);
      assert.is(readFileSync(join(root, "out/sub/deeper/b.yaml"), "utf8"), "b: \u00e9\n", label);
    });
  }
});

test("a directory that does not exist, or an unreadable one, is written", () => {
  scratch((root) => {
    assert.not.ok(holdsExactly(root, "out", FILES));
    replaceDirectoryAtomically(root, "out", FILES);
    assert.ok(holdsExactly(root, "out", FILES));
    if (process.getuid?.() !== 0) {
      chmodSync(join(root, "out/sub"), 0o000);
      assert.not.ok(holdsExactly(root, "out", FILES));
      chmodSync(join(root, "out/sub"), 0o755);
    }
  });
});

test.run();
