"""The transcript of a sitting's replay (R34): French speech-to-text on the town's own
server, after the sitting, on the replay's sound (closed sessions and protected speech
already cut out), each segment attributed to whoever had the floor from the sitting's own
log, and published as WebVTT captions and a transcript beside the video.

- `model`: which speech-to-text model, verified before it is loaded;
- `audio`: the replay's sound, decoded by ffmpeg a stretch at a time;
- `floor`: who had the floor and which item was discussed, on the replay's timeline;
- `job`: the resumable transcription (a Celery task's service) and its progress;
- `captions`: WebVTT and the captioned download.
"""
