#!/usr/bin/env python3
"""Soak benchmark of the review room: a long session under tmux with random keys, training
and a second process writing seeds into the same project, then checks memory and the file.

    swift build -c release
    python3 Tests/Scripts/soak.py [--minutes 30] [--binary .build/release/microlabel] [--work DIR]

What runs, for --minutes:
  - `microlabel open P --graphics blocks` in a detached tmux session (its own -L socket),
    on a project made from sample-data/frames (132 frames, 640x360);
  - random keys, about 15 a second, drawn from the room's bindings (steps, draw/edit, review,
    accept/reject, undo/redo, zoom, prompts, Escape), never q or Ctrl-C;
  - `t` (train and propagate) once a minute on top of the random ones;
  - another process adding a seed with `microlabel seed` every 5 seconds;
  - the room's resident memory (VmRSS) read every 10 seconds.

It passes when the room is still running at the end, quits on `q` with status 0, its RSS at the
end is at most 10 % above the baseline (the RSS once the warm-up, the first tenth of the run,
is over), `PRAGMA integrity_check` answers ok, and `microlabel info` reads the project.
It prints the figures and exits 0 on a pass, 1 otherwise.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# tmux key names, with weights: mostly moving about and reviewing, some editing and prompts.
KEYS = (
    [("Right", 12), ("Left", 6), ("S-Right", 2), ("S-Left", 2), ("Home", 1), ("End", 1),
     ("PageDown", 1), ("PageUp", 1), ("Up", 4), ("Down", 4), ("Enter", 4), ("Escape", 6),
     ("Tab", 2), ("BTab", 1), ("n", 3), ("r", 3), ("a", 3), ("x", 3), ("e", 1), ("A", 1),
     ("y", 1), ("s", 1), ("v", 1), ("u", 2), ("C-r", 1), ("z", 2), ("c", 1), (",", 1),
     ("d", 1), ("DC", 1), ("o", 1), ("1", 1), ("2", 1), ("g", 1), ("5", 1), ("]", 1), ("[", 1),
     ("}", 1), ("{", 1), ("?", 1), ("h", 1), ("l", 2), ("j", 1), ("k", 1), ("L", 1), ("H", 1),
     ("J", 1), ("K", 1), ("C-Left", 1), ("C-Right", 1), ("T", 1), ("t", 1)]
)


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


class Tmux:
    def __init__(self, socket):
        self.socket = socket

    def __call__(self, *arguments, check=False):
        result = run(["tmux", "-L", self.socket, "-f", "/dev/null", *arguments])
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(arguments)}: {result.stderr.strip()}")
        return result

    def keys(self, *names):
        self("send-keys", "-t", "soak", *names)

    def pane_pid(self):
        out = self("display-message", "-p", "-t", "soak", "#{pane_pid} #{pane_dead}").stdout.split()
        if len(out) < 2:
            return None, True
        return int(out[0]), out[1] == "1"

    def screen(self):
        return self("capture-pane", "-p", "-t", "soak").stdout


def room_pid(shell_pid):
    """The room: the child of the pane's shell."""
    try:
        with open(f"/proc/{shell_pid}/task/{shell_pid}/children") as children:
            pids = children.read().split()
        return int(pids[0]) if pids else None
    except OSError:
        return None


def read_status(path):
    try:
        with open(path) as status:
            return int(status.read().strip())
    except (OSError, ValueError):
        return None


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    parser = argparse.ArgumentParser(description="Soak benchmark of the review room.")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/microlabel"))
    parser.add_argument("--work", help="folder for the project (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=12, help="random seed of the keys and boxes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()

    binary = os.path.abspath(options.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"soak: {binary} is not an executable; build it with 'swift build -c release' or pass --binary")
    if shutil.which("tmux") is None or shutil.which("sqlite3") is None:
        sys.exit("soak: needs tmux and sqlite3 (apt-get install tmux sqlite3)")
    work = options.work or tempfile.mkdtemp(prefix="microlabel-soak-")
    os.makedirs(work, exist_ok=True)
    project = os.path.join(work, "soak.microlabel")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(project + suffix):
            os.remove(project + suffix)
    environment = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", XDG_CONFIG_HOME=work, NO_COLOR="")
    made = run([binary, "init", project, "--source", os.path.join(ROOT, "sample-data/frames"), "--labels", "rabbit"],
               env=environment)
    if made.returncode != 0:
        sys.exit(f"soak: init failed: {made.stderr.strip()}")
    for frame, box in ((34, "80,78,255,220"), (100, "78,40,232,275")):
        seeded = run([binary, "seed", project, "--frame", str(frame), "--box", box], env=environment)
        if seeded.returncode != 0:
            sys.exit(f"soak: seed failed: {seeded.stderr.strip()}")

    random_keys = random.Random(options.seed)
    random_boxes = random.Random(options.seed + 1)
    names = [name for name, _ in KEYS]
    weights = [weight for _, weight in KEYS]
    tmux = Tmux(f"microlabel-soak-{os.getpid()}")
    # The pane's shell notes the room's exit status in a file: tmux's own record of it is lost
    # when the pane's terminal closes before tmux has reaped the process.
    status_file = os.path.join(work, "room-status")
    if os.path.exists(status_file):
        os.remove(status_file)
    shell = (f"cd '{work}' && env LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_CONFIG_HOME='{work}' TERM=tmux-256color "
             f"'{binary}' open '{project}' --graphics blocks; echo $? > '{status_file}'")
    tmux("new-session", "-d", "-s", "soak", "-x", "160", "-y", "48", shell, check=True)
    tmux("set-option", "-t", "soak", "remain-on-exit", "on")

    duration = options.minutes * 60
    warm_up = duration / 10
    start = time.monotonic()
    samples = []  # (seconds, KiB)
    keys_sent = 0
    seeds_added = 0
    seed_failures = []
    trainings = 0
    next_sample = next_seed = next_train = start
    baseline = None
    failure = None
    pid = None
    while True:
        now = time.monotonic()
        if now - start >= duration:
            break
        shell_pid, dead = tmux.pane_pid()
        pid = room_pid(shell_pid) if shell_pid else None
        if pid is None and not dead and now - start < 5:
            time.sleep(0.1)  # the shell has not started the room yet
            continue
        if dead or pid is None or os.path.exists(status_file):
            failure = f"the room exited during the run (status {read_status(status_file)}); last screen:\n{tmux.screen()}"
            break
        if now >= next_sample:
            kib = rss_kib(pid)
            if kib is not None:
                samples.append((now - start, kib))
                if baseline is None and now - start >= warm_up:
                    baseline = kib
            next_sample += 10
        if now >= next_train:
            tmux.keys("Escape", "Escape", "t")
            trainings += 1
            next_train += 60
        if now >= next_seed:
            frame = random_boxes.randint(1, 132)
            w, h = random_boxes.randint(20, 200), random_boxes.randint(20, 200)
            x, y = random_boxes.randint(0, 640 - w), random_boxes.randint(0, 360 - h)
            seeded = run([binary, "seed", project, "--frame", str(frame), "--box", f"{x},{y},{w},{h}"], env=environment)
            if seeded.returncode == 0:
                seeds_added += 1
            else:
                seed_failures.append(seeded.stderr.strip())
            next_seed += 5
        burst = random_keys.choices(names, weights, k=3)
        tmux.keys(*burst)
        keys_sent += len(burst)
        time.sleep(0.2)

    elapsed = time.monotonic() - start
    final = rss_kib(pid) if pid and failure is None else None
    quit_status = None
    if failure is None:
        # Leave any prompt or mode, then quit; a confirmation (accept all) takes n.
        for _ in range(3):
            tmux.keys("Escape")
            time.sleep(0.2)
        tmux.keys("n", "Escape", "q")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            quit_status = read_status(status_file)
            if quit_status is not None:
                break
            time.sleep(0.2)
        else:
            failure = f"the room did not quit on q within 30 s; screen:\n{tmux.screen()}"
    tmux("kill-server")
    # tmux leaves its socket file behind when the server is killed.
    socket_file = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", tmux.socket)
    if os.path.exists(socket_file):
        os.remove(socket_file)

    integrity = run(["sqlite3", project, "PRAGMA integrity_check"]).stdout.strip()
    info = run([binary, "info", project], env=environment)
    peak = max((kib for _, kib in samples), default=0)
    growth = (final / baseline - 1) * 100 if final and baseline else None

    print(f"soak: {elapsed / 60:.1f} min, {keys_sent} random keys, {trainings} training starts by schedule, "
          f"{seeds_added} seeds added by another process ({len(seed_failures)} refused)")
    if baseline and final:
        print(f"soak: RSS baseline {baseline / 1024:.1f} MiB (at {warm_up / 60:.1f} min), end {final / 1024:.1f} MiB, "
              f"peak {peak / 1024:.1f} MiB, growth {growth:+.1f} %")
    print("soak: RSS samples (min: MiB): " + ", ".join(f"{t / 60:.0f}: {k / 1024:.1f}" for t, k in samples[::6]))
    print(f"soak: PRAGMA integrity_check: {integrity}")
    print(f"soak: quit status {quit_status}")
    for line in info.stdout.strip().splitlines():
        print(f"soak: info: {line}")
    for message in sorted(set(seed_failures))[:5]:
        print(f"soak: a refused seed said: {message}")

    problems = []
    if failure:
        problems.append(failure)
    if quit_status not in (0, None) or (failure is None and quit_status is None):
        problems.append(f"the room quit with status {quit_status}")
    if growth is None:
        problems.append("no RSS figures (the room did not run past the warm-up)")
    elif growth > 10:
        problems.append(f"RSS grew by {growth:.1f} % (more than 10 %)")
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if info.returncode != 0:
        problems.append(f"info failed: {info.stderr.strip()}")
    if not options.keep and not options.work:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        for problem in problems:
            print(f"soak: FAIL: {problem}")
        return 1
    print("soak: pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
