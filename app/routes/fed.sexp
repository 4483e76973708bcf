;; The site's shared pages: what its instance actor publishes to the
;; instances that follow it, besides its authors' posts and its components.
;; Each is a component call with its data in place — the rows of a query of
;; the federation service, given as :key — published at /ap/pages/<slug> and
;; sent again whenever the tables the query reads change; :path is the page
;; here that it is the shared form of.
(define shared-pages
  (list {:slug "events" :title "Events" :path "/events/"
         :component "~events-list" :key "events" :query "upcoming-events"}))

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

;; The components the instances this one follows share, and one of them:
;; its verified source, what it uses, and where it comes from.
(defroute "/fed/components/"
  (let ((components (query federation components)))
    (render (~blog-page :title "Components from other instances" :htmx (htmx-request?)
              :aside (~fed-about)
              (~fed-components :components components)))))

(defroute "/fed/components/:instance/:name/"
  (let ((c (query federation component :instance instance :name name))
        (components (query federation components)))
    (if c
      (render (~blog-page :title (str (:name c) " from " (:instance c)) :htmx (htmx-request?)
                :aside (~fed-component-nav :components components :current (fed-component-path c))
                (~fed-component :component c)))
      (status 404 (~not-found :path (str "/fed/components/" instance "/" name "/"))))))
