; (blend a b :mode ... :opacity x): a over b with a blend mode, at b's size.
; Modes: "normal" "multiply" "screen" "overlay" "add" "difference".
(blend (noise :width 64 :height 64 :seed 11)
       (gradient :width 64 :height 64 :from "#ff006e" :to "#3a86ff")
       :mode "overlay" :opacity 0.6)
