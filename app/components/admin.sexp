;; Operator pages.

;; 512 B, 4.5 KB, 1.2 MB
(define (byte-size n)
  (cond ((< n 1024) (format "%d B" n))
        ((< n 1048576) (format "%.1f KB" (/ n 1024)))
        (else (format "%.1f MB" (/ n 1048576)))))

;; One tier: what it looked up and found, what it served, how long a look-up took.
;; `sized`: its answers' sizes mean something; `counted`: its misses are counted too.
(defcomp ~tier-row (&key name what tier (sized true) (counted true))
  (let ((lookups (+ (:hits tier) (:misses tier))))
    (tr (th name (div :class "what" what))
        (td :class "num" (if counted lookups "–"))
        (td :class "num" (:hits tier))
        (td :class "num" (if (and counted (> lookups 0)) (format "%.0f%%" (* 100 (/ (:hits tier) lookups))) "–"))
        (td :class "num" (if sized (byte-size (:bytes tier)) "–"))
        (td :class "num" (if (and counted (> lookups 0)) (format "%.1f ms" (/ (:ms tier) lookups)) "–")))))

;; /_sexp/cache: what the cache tiers did in this isolate.
(defcomp ~cache-metrics (&key metrics)
  (~base-layout :title "Cache"
    (main :class "layout cache-metrics"
      (h1 "Cache")
      (p "What this isolate's caches did since " (~date :at (:since metrics)) " (each Workers isolate keeps its own figures).")
      (h2 "Pages")
      (dl :class "details"
        (dt "Served from their pointers") (dd (:hit (:pages metrics)))
        (dt "Rendered and published") (dd (:miss (:pages metrics)))
        (dt "Rendered for one visitor") (dd (:bypass (:pages metrics)) " (they read who is asking or the time)")
        (dt "Served as they were") (dd (:stale (:pages metrics)) " (a fresh render failed)"))
      (h2 "Tiers")
      (div :class "table-scroll"
        (table :class "lines"
          (thead (tr (th "Tier") (th :class "num" "Look-ups") (th :class "num" "Found") (th :class "num" "Hit rate")
                     (th :class "num" "Served") (th :class "num" "Mean time")))
          (tbody
            (~tier-row :name "Pointers" :what "a page's current CID, from its Durable Object" :tier (:pointer metrics) :sized false)
            (~tier-row :name "Isolate memory" :what "pointers, pages by CID and visitors' parts kept in this isolate" :tier (:memory metrics) :sized false :counted false)
            (~tier-row :name "Warm" :what "a page's bytes by CID (R2, IPFS gateways)" :tier (:warm metrics))
            (~tier-row :name "Hot" :what "a visitor's header and other per-visitor parts (KV or Upstash)" :tier (:hot metrics))
            (~tier-row :name "Components" :what ":cache components by input key" :tier (:components metrics)))))
      (p :class "note"
        "Mean time is the wall time from asking to the answer, in an isolate doing other work meanwhile. "
        "A page's component and part look-ups leave together, as one read of the hot tier."))))

;; /_sexp/plan: a page's DAG, as the executor last resolved it here.
(defcomp ~plan-page (&key path picture)
  (~base-layout :title "Plan"
    (main :class "layout plan-page"
      (h1 "Plan of " (code path))
      (form :class "filters" :method "get" :action "/_sexp/plan"
        (label "Path" (input :name "path" :value path))
        (button :type "submit" "Show"))
      picture)))
