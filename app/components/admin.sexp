;; Operator pages.

(defcomp ~tier-row (&key name tier)
  (let ((lookups (+ (:hits tier) (:misses tier))))
    (tr (th name)
        (td :class "num" (:hits tier))
        (td :class "num" (:misses tier))
        (td :class "num" (if (> lookups 0) (format "%.0f%%" (* 100 (/ (:hits tier) lookups))) "–"))
        (td :class "num" (format "%.1f KB" (/ (:bytes tier) 1024)))
        (td :class "num" (if (> lookups 0) (format "%.1f ms" (/ (:ms tier) lookups)) "–")))))

;; /_sexp/cache: what the cache tiers did in this isolate.
(defcomp ~cache-metrics (&key metrics)
  (~base-layout :title "Cache"
    (main :class "layout single"
      (section
        (h1 "Cache")
        (p "Since " (:since metrics) ", in this isolate.")
        (table :class "cart"
          (thead (tr (th "Tier") (th :class "num" "Hits") (th :class "num" "Misses") (th :class "num" "Hit rate")
                     (th :class "num" "Served") (th :class "num" "Mean look-up")))
          (tbody
            (~tier-row :name "Pointers (Durable Objects)" :tier (:pointer metrics))
            (~tier-row :name "Isolate memory (pages by CID, holes)" :tier (:memory metrics))
            (~tier-row :name "Warm (content by CID)" :tier (:warm metrics))
            (~tier-row :name "Hot (per-user parts)" :tier (:hot metrics))
            (~tier-row :name "Components (by input key)" :tier (:components metrics))))
        (h2 "Pages")
        (p (:hit (:pages metrics)) " served from their pointers, "
           (:miss (:pages metrics)) " rendered and pinned, "
           (:bypass (:pages metrics)) " rendered for one visitor (not shared), "
           (:stale (:pages metrics)) " served as they were when a fresh render failed.")))))
