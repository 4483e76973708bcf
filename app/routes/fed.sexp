;; What this instance received from the instances it follows (ActivityPub,
;; workers/router/src/federation), at local URLs, in this site's look.
;; Shared pages like the blog's: a received Update re-renders them.

(defroute "/fed/"
  (let ((documents (query federation documents)))
    (render (~blog-page :title "From other instances" :htmx (htmx-request?)
              :aside (~fed-about)
              (~fed-index :documents documents)))))

;; A received document: where it comes from, then the document itself,
;; rendered from its verified s-expression with this site's components
;; winning over its origin's.
(defroute "/fed/:handle/:slug/"
  (let ((doc (query federation document :handle handle :slug slug))
        (documents (query federation documents)))
    (if doc
      (render (~blog-page :title (fed-title doc) :htmx (htmx-request?)
                :aside (~fed-nav :documents documents :current (fed-path doc))
                (~fed-document :doc doc (federated doc))))
      (status 404 (~not-found :path (str "/fed/" handle "/" slug "/"))))))
