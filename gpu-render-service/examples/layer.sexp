; Layers, later over earlier (alpha "over"), at the first one's size. Resize
; with :fit "contain" leaves transparent bars, so the backdrop shows through.
(layer (gradient :width 96 :height 64 :from "#003049" :to "#669bbc")
       (resize (noise :width 32 :height 32 :seed 3) :width 96 :height 64 :fit "contain"))
