;; Page shell and small shared components.

(defcomp ~base-layout (&key title &rest content)
  (html :lang "en"
    (head
      (meta :charset "utf-8")
      (meta :name "viewport" :content "width=device-width, initial-scale=1")
      (title title))
    (body
      (header :class "site-header" (a :href "/" "Rose Ash"))
      (main :id "main-panel" content))))

(defcomp ~not-found (&key path)
  (~base-layout :title "Not found"
    (h1 "Not found")
    (p "Nothing lives at " (code path) ".")))
