;; A generation of the LLM endpoint (or written in its playground), served like
;; any page: its s-expression is checked with the untrusted policy and rendered
;; here by (generated ...), its queries reading live data, so the page is shared,
;; kept by its pointer and re-rendered when what it shows changes. htmx (and
;; POST /llm) ask for the generated content alone.

(defroute "/llm/g/:hash/"
  (let ((g (query llm generation :hash hash)))
    (cond ((not g) (status 404 (~not-found :path (str "/llm/g/" hash "/"))))
          ((htmx-request?) (render (generated (:sexp g))))
          (else (render (~generation-page :generation g (generated (:sexp g))))))))
