; Resize: :fit "fill" stretches (the default), "contain" fits inside with
; transparent bars, "cover" fills and crops. Inside ->, (resize ...) is a step.
(-> (gradient :width 200 :height 50 :from "#000000" :to "#ffffff")
    (resize :width 64 :height 64 :fit "cover"))
