; An asset: image bytes by CID, fetched from the store and verified against
; the CID (tampered bytes are refused), then decoded (PNG through fast-png).
; This CID is the PNG that examples/noise.sexp renders: render that first
; (or store any image with `npx rose-render --add FILE`, which prints its CID).
(-> (asset :cid "bafkreiawz645kdfstp23dmwy3bf7rz4ia5fpt2xivcwp7h3tgoc3m6c4xi")
    (resize :width 128 :height 128 :fit "fill")
    (fx pixelate :size 8)
    (fx saturation :amount 0.5))
