#!/usr/bin/python3
"""The StreamVision segmentation job written the way a Python user would write it.

OpenCV's video reader and DNN module (Debian's python3-opencv) and paho-mqtt (python3-paho-mqtt):
read a clip frame by frame, pre-process, run the ONNX model, take the class per pixel, and publish
the same payloads as StreamVision on the same topics: JSON on <prefix>/<camera>/segmentation and
the class-index mask as PNG on <prefix>/<camera>/segmentation/mask.

`streamvision-bench peer` runs it against the same clip, model and broker as the service and
compares what a subscriber receives. It can also be run alone:

  /usr/bin/python3 peer.py --clip CLIP --model MODEL.onnx --port 1883 \
      --width 256 --height 256 --layout nhwc --color rgb --scale 0.0039215686 --classes 4

Prints one JSON line with the frames done and the seconds taken.
"""
import argparse
import json
import sys
import time
from datetime import datetime, timezone

import cv2
import numpy as np
import paho.mqtt.client as mqtt


def arguments():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clip", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--prefix", default="streamvision")
    p.add_argument("--camera", default="peer")
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--height", type=int, required=True)
    p.add_argument("--layout", choices=["nhwc", "nchw"], default="nchw")
    p.add_argument("--color", choices=["rgb", "bgr"], default="rgb")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--mean", type=float, nargs=3, default=[0.0, 0.0, 0.0])
    p.add_argument("--std", type=float, nargs=3, default=[1.0, 1.0, 1.0])
    p.add_argument("--classes", type=int, required=True, help="class names count (scores per pixel)")
    p.add_argument("--model-id", default="peer")
    p.add_argument("--no-mask", action="store_true", help="do not publish the mask PNG")
    p.add_argument("--qos", type=int, choices=[0, 1], default=0, help="QoS of the JSON results (the mask PNG stays at 0)")
    return p.parse_args()


def preprocess(frame, a, mean, std):
    image = cv2.resize(frame, (a.width, a.height), interpolation=cv2.INTER_LINEAR)
    if a.color == "rgb":
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    tensor = (image.astype(np.float32) * a.scale - mean) / std
    tensor = tensor[np.newaxis]
    if a.layout == "nchw":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor)


def class_mask(scores, a):
    scores = scores[0]
    if a.layout == "nchw" or scores.shape[0] == a.classes and scores.shape[-1] != a.classes:
        return np.argmax(scores, axis=0).astype(np.uint8)
    if scores.shape[-1] == 1:
        return (scores[..., 0] > 0.5).astype(np.uint8)  # foreground probability
    return np.argmax(scores, axis=-1).astype(np.uint8)


def main():
    a = arguments()
    mean = np.array(a.mean, dtype=np.float32)
    std = np.array(a.std, dtype=np.float32)
    net = cv2.dnn.readNetFromONNX(a.model)
    capture = cv2.VideoCapture(a.clip)
    if not capture.isOpened():
        print(f"cannot open {a.clip}", file=sys.stderr)
        return 1
    client = mqtt.Client(client_id=f"peer-{a.camera}", protocol=mqtt.MQTTv5)
    client.connect(a.host, a.port)
    client.loop_start()
    topic = f"{a.prefix}/{a.camera}/segmentation"
    seq = 0
    last = None
    started = time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        captured = datetime.now(timezone.utc)
        pts = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        begin = time.perf_counter()
        net.setInput(preprocess(frame, a, mean, std))
        mask = class_mask(net.forward(), a)
        fractions = np.bincount(mask.ravel(), minlength=a.classes)[: a.classes] / mask.size
        processing_ms = (time.perf_counter() - begin) * 1000
        if not a.no_mask:
            png = cv2.imencode(".png", mask, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes()
            client.publish(topic + "/mask", png)
        payload = {
            "schema_version": 1,
            "task": "segmentation",
            "camera": a.camera,
            "seq": seq,
            "pts": round(pts, 6),
            "capture_time": captured.isoformat().replace("+00:00", "Z"),
            "publish_time": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "processing_ms": round(processing_ms, 3),
            "model": a.model_id,
            "mask": {"width": int(mask.shape[1]), "height": int(mask.shape[0]), "encoding": "png-gray8-class-index"},
            "classes": [{"id": i, "fraction": round(float(f), 6)} for i, f in enumerate(fractions)],
        }
        last = client.publish(topic, json.dumps(payload), qos=a.qos)
        seq += 1
    if last is not None:
        last.wait_for_publish()
    seconds = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    print(json.dumps({"frames": seq, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
