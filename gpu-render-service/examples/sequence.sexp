; Videos one after another: :transition "cut" (the default) or "crossfade"
; (the last :duration seconds of one under the first of the next).
(define (clip color)
  (frames :count 12 :fps 12
    (-> (solid :width 64 :height 64 :color color)
        (fx grain :seed 1 :amount (* 0.2 t)))))
(sequence (clip "#e63946") (clip "#457b9d") :transition "crossfade" :duration 0.5)
