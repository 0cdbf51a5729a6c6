#!/usr/bin/python3
"""Fidelity check: StreamVision's outputs against an independent reference.

The reference decodes the clip with Debian's OpenCV (python3-opencv, its own FFmpeg) and runs the
same ONNX models with OpenCV's own DNN engine (cv2.dnn) on those frames, pre-processed as each
model's manifest says. StreamVision's outputs are read from a `streamvision batch` folder. Frame by
frame, on a sample of frames:

  road   (road_segmentation_adas_0001, car clip):  share of mask pixels with the same class
  selfie (selfie_segmentation, person clip):       IoU of the person masks (frames where the person
                                                   covers more than 2 % of the picture)
  yolox  (yolox_nano_416x416, person clip):        boxes matched one to one by IoU (>= 0.5), their
                                                   IoU, and boxes left unmatched on either side

Usage:
  fidelity.py road   --clip car-detection.mp4 --out BATCH_FOLDER --models MODELS_DIR [--every 50]
  fidelity.py selfie --clip one-by-one-person-detection.mp4 --out BATCH_FOLDER --models MODELS_DIR
  fidelity.py yolox  --clip one-by-one-person-detection.mp4 --out BATCH_FOLDER --models MODELS_DIR
Prints one JSON line per sampled frame and a summary line; --min sets the threshold the summary's
worst frame must reach (exit 1 below it).
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np


def frames(clip, every):
    capture = cv2.VideoCapture(clip)
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            return
        if index % every == 0:
            yield index, frame
        index += 1


def our_mask(out, seq):
    path = os.path.join(out, "segmentation", f"{seq:06d}.png")
    mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if mask is None:
        sys.exit(f"fidelity: {path} is missing; run 'streamvision batch' with the model on the clip into that folder first.")
    return mask


def road(args):
    net = cv2.dnn.readNetFromONNX(os.path.join(args.models, "road_segmentation_adas_0001.onnx"))
    for seq, frame in frames(args.clip, args.every):
        # NHWC, BGR, 0..255, stretched to 896x512 (manifest: no normalisation, resize stretch).
        blob = cv2.resize(frame, (896, 512), interpolation=cv2.INTER_LINEAR).astype(np.float32)[None]
        net.setInput(blob)
        reference = net.forward().reshape(512, 896, 4).argmax(-1).astype(np.uint8)
        ours = our_mask(args.out, seq)
        yield {"seq": seq, "agreement": float((reference == ours).mean()), "road_reference": float((reference == 1).mean()), "road_ours": float((ours == 1).mean())}


def selfie(args):
    net = cv2.dnn.readNetFromONNX(os.path.join(args.models, "selfie_segmentation.onnx"))
    for seq, frame in frames(args.clip, args.every):
        rgb = cv2.cvtColor(cv2.resize(frame, (256, 256), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
        net.setInput((rgb.astype(np.float32) / 255.0)[None])
        reference = net.forward().reshape(256, 256) > 0.5
        ours = our_mask(args.out, seq) == 1
        union = (reference | ours).sum()
        if reference.mean() <= 0.02:
            continue
        yield {"seq": seq, "iou": float((reference & ours).sum() / union) if union else 1.0, "person": float(reference.mean())}


def yolox_boxes(net, frame, threshold=0.3, nms=0.45):
    scale = min(416 / frame.shape[1], 416 / frame.shape[0])
    resized = cv2.resize(frame, (int(frame.shape[1] * scale), int(frame.shape[0] * scale)), interpolation=cv2.INTER_LINEAR)
    padded = np.full((416, 416, 3), 114, np.uint8)
    padded[: resized.shape[0], : resized.shape[1]] = resized
    net.setInput(padded.transpose(2, 0, 1)[None].astype(np.float32))
    out = net.forward().reshape(-1, 85)
    grids, strides = [], []
    for stride in (8, 16, 32):
        size = 416 // stride
        ys, xs = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        grids.append(np.stack([xs, ys], -1).reshape(-1, 2))
        strides.append(np.full((size * size, 1), stride))
    grids, strides = np.concatenate(grids), np.concatenate(strides)
    centre = (out[:, :2] + grids) * strides
    size = np.exp(out[:, 2:4]) * strides
    scores = out[:, 4] * out[:, 5]  # person (class 0)
    keep = scores >= threshold
    boxes = np.concatenate([centre - size / 2, size], 1)[keep] / scale
    scores = scores[keep]
    chosen = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), threshold, nms)
    return [boxes[i] for i in np.array(chosen).reshape(-1)]


def iou(a, b):
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0


def yolox(args):
    net = cv2.dnn.readNetFromONNX(os.path.join(args.models, "yolox_nano_416x416.onnx"))
    lines = {}
    with open(os.path.join(args.out, "detection.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            lines[record["seq"]] = [(d["box"]["x"], d["box"]["y"], d["box"]["w"], d["box"]["h"]) for d in record["detections"]
                                    if d["class"] == "person" and d["score"] >= 0.3]
    for seq, frame in frames(args.clip, args.every):
        reference = yolox_boxes(net, frame)
        ours = list(lines.get(seq, []))
        matched, ious = 0, []
        for box in reference:
            best = max(ours, key=lambda o: iou(box, o), default=None)
            if best is not None and iou(box, best) >= 0.5:
                ious.append(iou(box, best))
                ours.remove(best)
                matched += 1
        yield {"seq": seq, "iou": float(min(ious)) if ious else 1.0, "unmatched": len(reference) - matched + len(ours)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=["road", "selfie", "yolox"])
    parser.add_argument("--clip", required=True)
    parser.add_argument("--out", required=True, help="the input's folder in a streamvision batch output (…/<clip name>)")
    parser.add_argument("--models", required=True, help="folder with the .onnx files")
    parser.add_argument("--every", type=int, default=50, help="sample every n-th frame")
    parser.add_argument("--min", type=float, default=None, help="worst sampled frame's agreement/IoU must reach this")
    args = parser.parse_args()
    rows = list({"road": road, "selfie": selfie, "yolox": yolox}[args.check](args))
    for row in rows:
        print(json.dumps(row))
    key = "agreement" if args.check == "road" else "iou"
    worst = min(r[key] for r in rows) if rows else 1.0
    summary = {"check": args.check, "frames": len(rows), "mean": float(np.mean([r[key] for r in rows])) if rows else 1.0, "worst": worst}
    if args.check == "yolox":
        summary["unmatched"] = sum(r["unmatched"] for r in rows)
    print(json.dumps(summary))
    if args.min is not None and (worst < args.min or summary.get("unmatched", 0) > 0):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
