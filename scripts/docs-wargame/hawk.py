"""A scripted room: Japan attributes every case it is shown (z >= 0.4, its resolve) and
coordinates from z = 0.6; Enter (the model's answer) at invitations and turns."""
import os, re, subprocess, sys

cmd = ["cyberdeter", "wargame", "scenarios/japan_2015_2021.toml", "--play", "Japan",
       "--delegate-below", "0.4", "-o", "hawk.h5"]
game = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
with open("hawk.txt", "wb") as log:
    screen = b""
    while chunk := os.read(game.stdout.fileno(), 65536):
        log.write(chunk)
        screen += chunk
        if not screen.endswith(b"\n> "):  # wait for a prompt
            continue
        text = screen.decode()
        answer = ""
        if "\n Respond:" in text:
            z = float(re.findall(r"case strength z = (-?[0-9.]+)", text)[-1])
            answer = "c" if z >= 0.6 else "a"
        game.stdin.write((answer + "\n").encode())
        game.stdin.flush()
        screen = b""
sys.exit(game.wait())
