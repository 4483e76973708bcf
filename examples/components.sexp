;; Shared components for the example page: pass with --lib.

(defcomp ~layout (&key title &rest content)
  (html :lang "en"
    (head
      (meta :charset "utf-8")
      (title title))
    (body
      (header (h1 title))
      (main content))))

(defcomp ~product-card (&key product)
  (let ((stock (:slot product :stock)))
    (article :class (list "card" (when (<= stock 0) "sold-out"))
      (h2 (a :href (str "/market/" (:slot product :slug) "/") (:slot product :name)))
      (when (:slot product :new) (span :class "badge" "New"))
      (p :class "price" (format "£%.2f" (:slot product :price)))
      (button :disabled (<= stock 0) "Add to cart"))))
