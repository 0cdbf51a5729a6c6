using System.Text.Json;
using StreamVision.Pipelines.Body;

namespace StreamVision.Host.Results;

/// <summary>
/// Body payload: per person above the threshold its slot, score, SMPL-X parameters — "rotmats"
/// (joints × 9 values, row-major 3×3 rotation matrices, global orientation first), "betas",
/// "translation" (metres, camera frame), "expression" — and the model's "camera_pose" when it has
/// one. No mesh: SMPL-X model files may not be redistributed; docs/BODY.md shows how to turn these
/// parameters into vertices with the user's own copy.
/// </summary>
public static class BodyEncoder
{
    public static EncodedResult Encode(BodyResult r, DateTimeOffset publishTime)
    {
        var json = ResultJson.Write(r, publishTime, w =>
        {
            w.WriteString("parameters", "smplx");
            w.WriteStartArray("persons");
            foreach (var person in r.Persons)
            {
                w.WriteStartObject();
                w.WriteNumber("slot", person.Slot);
                w.WriteNumber("score", Math.Round(person.Score, 4));
                w.WriteNumber("joints", person.Joints);
                Array(w, "rotmats", person.Rotmats);
                Array(w, "betas", person.Betas);
                Array(w, "translation", person.Translation);
                Array(w, "expression", person.Expression);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (r.CameraPose.Length > 0)
            {
                Array(w, "camera_pose", r.CameraPose);
            }
        });
        return new EncodedResult(json, []);
    }

    private static void Array(Utf8JsonWriter w, string name, float[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(Math.Round(v, 6));
        }
        w.WriteEndArray();
    }
}
