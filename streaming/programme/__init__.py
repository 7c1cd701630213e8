"""The live programme of a sitting: one mixer ffmpeg fed by one ingest per camera, driven
at run time through ffmpeg's `zmq` filter, watched by a supervisor.

- `state`: what the programme shows (cut, picture in picture, lower third, slate, mute).
- `config`: what a programme is made of (inputs, ladder, RTP return).
- `graph`: the mixer's ffmpeg command line, built from a config and a state; its sound
  (`sound`: clocks, loudness) and its encoders and muxers (`outputs`) apart; `syntax`:
  ffmpeg's escaping.
- `playlists`: the public HLS playlists, published from the mixer's.
- `ingest`: a camera's ingest, which never stalls the mixer (a lost feed becomes a slate).
- `process`: one external ffmpeg as its owner sees it (stderr tail, progress, stop).
- `control`: the run-time commands sent to the mixer.
- `supervisor`: owns the processes, restarts them and reports health.
"""
