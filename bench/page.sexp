;; The benchmark page. Data arrives as global variables (as with
;; `sexp render --data`): user, cart, nav, article, products.

(defcomp ~user-menu (&key user cart)
  (div :class "user-menu"
    (img :class "avatar" :src (:avatar user) :alt (:name user))
    (span :class "greeting" "Hello, " (:slot user :name))
    (a :href "/account/" "Account")
    (a :class "cart" :href "/cart/"
      (span :class "cart-count" (:count cart))
      " items · "
      (span :class "cart-total" (format "£%.2f" (:total cart))))))

(defcomp ~site-header (&key user cart)
  (header :class "site-header"
    (a :class "logo" :href "/" "Rose Ash Market")
    (form :class "search" :action "/search/" :method "get"
      (input :type "search" :name "q" :placeholder "Search products…"))
    (~user-menu :user user :cart cart)))

(defcomp ~nav-link (&key link)
  (li (a :href (:href link) (:title link))))

(defcomp ~nav-group (&key group)
  (li :class "nav-group"
    (a :href (:href group) (:title group))
    (ul (map (fn (link) (~nav-link :link link)) (:links group)))))

(defcomp ~nav-section (&key section)
  (li :class "nav-section"
    (a :href (:href section) (:title section))
    (ul (map (fn (group) (~nav-group :group group)) (:groups section)))))

(defcomp ~site-nav (&key sections)
  (nav :class "site-nav"
    (ul (map (fn (section) (~nav-section :section section)) sections))))

(defcomp ~post (&key article)
  (article :class "post"
    (h1 (:title article))
    (p :class "byline" "By " (:author article))
    (map (fn (para) (p para)) (:paragraphs article))))

(defcomp ~product-card (&key product)
  (let ((stock (:slot product :stock))
        (sold-out (<= stock 0)))
    (div :class (list "card" (when sold-out "sold-out")) :data-stock stock
      (h3 (a :href (str "/products/" (:slug product) "/") (:name product)))
      (p :class "category" (:slot product :category))
      (div :class "badges"
        (when (:new product) (span :class "badge new" "New"))
        (if (:on_sale product) (span :class "badge sale" "Sale"))
        (when sold-out (span :class "badge out" "Out of stock")))
      (p :class "price" (format "£%.2f" (:price product)))
      (button :class "add" :disabled (<= stock 0) "Add to cart"))))

(html :lang "en"
  (head
    (meta :charset "utf-8")
    (title (:title article))
    (link :rel "stylesheet" :href "/static/site.css"))
  (body
    (~site-header :user user :cart cart)
    (~site-nav :sections nav)
    (main
      (~post :article article)
      (section :class "products"
        (h2 "Products")
        (div :class "grid"
          (map (fn (product) (~product-card :product product)) products))))
    (footer (p "© 2025 Rose Ash — prices include VAT & delivery"))))
