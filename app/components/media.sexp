;; Generated pictures: recipes the render service renders (render-media), shared
;; by the market's product images and the blog's post headers.

;; A soft field of colour: a gradient from `from` to `to` at `angle` degrees,
;; tinted towards `accent` from another side (multiply with an accent-to-white
;; gradient), with light and shade from a few blurred noise blobs (`seed`)
;; overlaid. All of it is worked out at `w` x `h` (a few dozen pixels), then
;; scaled up to `width` x `height`: smooth, cheap to render (well under a
;; frame's worth of CPU), and the same picture at every size of one shape.
;; Names come from render-media's :with.
(define colour-field-recipe
  '(-> (blend (-> (noise :width 4 :height 3 :seed seed)
                  (resize :width w :height h)
                  (fx blur :radius 4)
                  (fx grayscale)
                  (fx contrast :amount 1.3))
              (blend (-> (gradient :width w :height h :from accent :to "#ffffff")
                         (fx rotate :degrees (+ angle 110)))
                     (-> (gradient :width w :height h :from from :to to)
                         (fx rotate :degrees angle))
                     :mode "multiply" :opacity 0.7)
              :mode "overlay" :opacity 0.45)
       (fx saturation :amount 1.2)
       (fx vignette :amount 0.12)
       (resize :width width :height height)))

;; The colour field at width x height in a palette ({:from :to :accent}, "#rrggbb"
;; each); seed (a whole number) places the light and shade, angle (degrees)
;; turns the gradient. The working size keeps the picture's shape: 72 wide.
(defcomp ~colour-field (&key width height colours seed angle alt class)
  (render-media colour-field-recipe
    :with {:from (:from colours) :to (:to colours) :accent (:accent colours)
           :seed seed :angle angle :width width :height height
           :w 72 :h (max 1 (round (/ (* 72 height) width)))}
    :alt (or alt "") :class class))
