"""Raschka, Liu & Mirjalili, "Machine Learning with PyTorch and Scikit-Learn" (rasbt/machine-learning-book, MIT
licence), ch16-part1-self-attention.py, unchanged except that the notebook's bare expressions are printed or
recorded: an Embedding after torch.manual_seed(123) and .detach(), omega filled by item assignment in a loop over
enumerate(tensor) with torch.dot, matmul with .T, torch.allclose, F.softmax, a context vector accumulated with +=
of a 0-d tensor times a row, U_query/U_key/U_value from torch.rand, query.dot(keys[2]), softmax of omega / d**0.5,
multi-head projections with torch.rand(h, d, d).matmul(x), .T.repeat(8, 1, 1), torch.bmm, permute, matmul, and a
Linear over multihead_z_2.flatten()."""
import torch
import torch.nn.functional as F

result = {}
sentence = torch.tensor(
    [0, # can
     7, # you
     1, # help
     2, # me
     5, # to
     6, # translate
     4, # this
     3] # sentence
)
print(sentence)
torch.manual_seed(123)
embed = torch.nn.Embedding(10, 16)
embedded_sentence = embed(sentence).detach()
print(embedded_sentence.shape)
omega = torch.empty(8, 8)
for i, x_i in enumerate(embedded_sentence):
    for j, x_j in enumerate(embedded_sentence):
        omega[i, j] = torch.dot(x_i, x_j)
omega_mat = embedded_sentence.matmul(embedded_sentence.T)
print(torch.allclose(omega_mat, omega))
attention_weights = F.softmax(omega, dim=1)
print(attention_weights.shape)
print(attention_weights.sum(dim=1))
x_2 = embedded_sentence[1, :]
context_vec_2 = torch.zeros(x_2.shape)
for j in range(8):
    x_j = embedded_sentence[j, :]
    context_vec_2 += attention_weights[1, j] * x_j
print(context_vec_2)
context_vectors = torch.matmul(
        attention_weights, embedded_sentence)
result["simple"] = [omega.tolist(), torch.allclose(omega_mat, omega), context_vec_2.tolist(),
                    torch.allclose(context_vec_2, context_vectors[1])]

torch.manual_seed(123)
d = embedded_sentence.shape[1]
U_query = torch.rand(d, d)
U_key = torch.rand(d, d)
U_value = torch.rand(d, d)
x_2 = embedded_sentence[1]
query_2 = U_query.matmul(x_2)
key_2 = U_key.matmul(x_2)
value_2 = U_value.matmul(x_2)
keys = U_key.matmul(embedded_sentence.T).T
values = U_value.matmul(embedded_sentence.T).T
omega_23 = query_2.dot(keys[2])
print(omega_23)
omega_2 = query_2.matmul(keys.T)
print(omega_2)
attention_weights_2 = F.softmax(omega_2 / d**0.5, dim=0)
print(attention_weights_2)
context_vector_2 = attention_weights_2.matmul(values)
print(context_vector_2)
result["scaled"] = [torch.allclose(key_2, keys[1]), torch.allclose(value_2, values[1]), omega_23.item(),
                    omega_2.tolist(), attention_weights_2.tolist(), context_vector_2.tolist(), repr(omega_23)]

torch.manual_seed(123)
d = embedded_sentence.shape[1]
one_U_query = torch.rand(d, d)
h = 8
multihead_U_query = torch.rand(h, d, d)
multihead_U_key = torch.rand(h, d, d)
multihead_U_value = torch.rand(h, d, d)
multihead_query_2 = multihead_U_query.matmul(x_2)
print(multihead_query_2.shape)
multihead_key_2 = multihead_U_key.matmul(x_2)
multihead_value_2 = multihead_U_value.matmul(x_2)
print(multihead_key_2[2])
stacked_inputs = embedded_sentence.T.repeat(8, 1, 1)
print(stacked_inputs.shape)
multihead_keys = torch.bmm(multihead_U_key, stacked_inputs)
print(multihead_keys.shape)
multihead_keys = multihead_keys.permute(0, 2, 1)
print(multihead_keys.shape)
print(multihead_keys[2, 1]) # index: [2nd attention head, 2nd key]
multihead_values = torch.matmul(multihead_U_value, stacked_inputs)
multihead_values = multihead_values.permute(0, 2, 1)
multihead_z_2 = torch.rand(8, 16)
linear = torch.nn.Linear(8*16, 16)
context_vector_2 = linear(multihead_z_2.flatten())
print(context_vector_2.shape)
result["multihead"] = [multihead_key_2[2].tolist(), list(stacked_inputs.shape), multihead_keys[2, 1].tolist(),
                       multihead_values.sum(dim=(1, 2)).tolist(), context_vector_2.tolist(),
                       list(context_vector_2.shape)]
